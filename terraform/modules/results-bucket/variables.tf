variable "project_id" {
  description = "Google Cloud project that owns the bucket."
  type        = string
}

variable "name" {
  description = "Globally unique bucket name."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3-63 characters of lowercase letters, digits, '-', '_' and '.', starting and ending with a letter or digit."
  }
}

variable "location" {
  description = "Bucket location: a region (us-central1), dual-region or multi-region (US). Keep it next to the cluster."
  type        = string
}

variable "storage_class" {
  description = "Default storage class of new objects."
  type        = string
  default     = "STANDARD"
  validation {
    condition     = contains(["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"], var.storage_class)
    error_message = "storage_class must be one of: STANDARD, NEARLINE, COLDLINE, ARCHIVE."
  }
}

variable "labels" {
  description = "Labels put on the bucket."
  type        = map(string)
  default     = {}
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a bucket that still holds reports. Keep false unless you mean to lose them."
  type        = bool
  default     = false
}

variable "versioning" {
  description = "Keep old versions of overwritten or deleted report objects."
  type        = bool
  default     = true
}

variable "noncurrent_versions_delete_after_days" {
  description = "Delete non-current object versions this many days after they were replaced; null keeps them forever."
  type        = number
  default     = 30
  validation {
    condition     = var.noncurrent_versions_delete_after_days == null ? true : var.noncurrent_versions_delete_after_days >= 1
    error_message = "noncurrent_versions_delete_after_days must be null or at least 1."
  }
}

variable "raw_files_delete_after_days" {
  description = "Delete objects under raw_files_prefixes (raw per-request files) this many days after upload; null keeps them."
  type        = number
  default     = null
  validation {
    condition     = var.raw_files_delete_after_days == null ? true : var.raw_files_delete_after_days >= 1
    error_message = "raw_files_delete_after_days must be null or at least 1."
  }
}

variable "raw_files_prefixes" {
  description = "Object name prefixes that the raw-files lifecycle rule applies to."
  type        = list(string)
  default     = ["raw/"]
}

variable "log_bucket" {
  description = "Bucket that receives access logs of the results bucket; null turns access logging off."
  type        = string
  default     = null
}
