variable "project_id" {
  description = "Google Cloud project of the cluster (its Workload Identity pool is PROJECT_ID.svc.id.goog)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace the benchmark Jobs run in."
  type        = string
  default     = "pybench"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS label: lowercase letters, digits and '-', at most 63 characters."
  }
}

variable "create_namespace" {
  description = "Create the namespace; false uses an existing one."
  type        = bool
  default     = true
}

variable "ksa_name" {
  description = "Kubernetes service account the inference-perf Job runs as."
  type        = string
  default     = "pybench"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.ksa_name))
    error_message = "ksa_name must be a DNS subdomain name: lowercase letters, digits, '-' and '.'."
  }
}

variable "bucket_name" {
  description = "Results bucket the Job writes reports to; the KSA gets object read/write and bucket metadata read on it."
  type        = string
}

variable "hf_token_secret" {
  description = "Secret Manager secret holding a Hugging Face token (SECRET or projects/P/secrets/SECRET); null grants nothing."
  type        = string
  default     = null
}

variable "labels" {
  description = "Extra Kubernetes labels for the namespace and service account."
  type        = map(string)
  default     = {}
}
