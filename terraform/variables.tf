variable "project_id" {
  description = "Google Cloud project of the GKE cluster (PROJECT_ID)."
  type        = string
}

variable "location" {
  description = "Cluster location, a region or a zone (REGION)."
  type        = string
}

variable "cluster_name" {
  description = "Existing GKE cluster with Workload Identity enabled (CLUSTER)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace for the benchmark Jobs."
  type        = string
  default     = "pybench"
}

variable "create_namespace" {
  description = "Create the namespace; false uses an existing one."
  type        = bool
  default     = true
}

variable "ksa_name" {
  description = "Kubernetes service account the benchmark Jobs run as."
  type        = string
  default     = "pybench"
}

variable "bucket_name" {
  description = "Results bucket name; null means PROJECT_ID-pybench-results."
  type        = string
  default     = null
}

variable "bucket_location" {
  description = "Results bucket location; null means the cluster's region."
  type        = string
  default     = null
}

variable "force_destroy_results" {
  description = "Let terraform destroy delete the results bucket with the reports in it (pybench destroy --delete-results)."
  type        = bool
  default     = false
}

variable "raw_files_delete_after_days" {
  description = "Delete raw per-request files (objects under raw/) after this many days; null keeps them."
  type        = number
  default     = null
}

variable "hf_token_secret" {
  description = "Secret Manager secret with a Hugging Face token that the Job may read; null grants no secret access."
  type        = string
  default     = null
}

variable "labels" {
  description = "Google Cloud labels for the bucket and node VMs."
  type        = map(string)
  default     = {}
}

variable "node_pool" {
  description = "Create an accelerator node pool for the model server (NODE_POOL=true)."
  type        = bool
  default     = false
}

variable "accelerator" {
  description = "GKE accelerator name (ACCELERATOR); the accelerator-node-pool module lists and checks the valid names."
  type        = string
  default     = "nvidia-l4"
}

variable "accelerator_count" {
  description = "Accelerator chips per node."
  type        = number
  default     = 1
}

variable "node_pool_name" {
  description = "Node pool name; null means pybench-ACCELERATOR."
  type        = string
  default     = null
}

variable "node_locations" {
  description = "Zones for the accelerator nodes; null uses the cluster's node locations."
  type        = list(string)
  default     = null
}

variable "min_nodes" {
  description = "Node pool autoscaling lower bound (total)."
  type        = number
  default     = 0
}

variable "max_nodes" {
  description = "Node pool autoscaling upper bound (total)."
  type        = number
  default     = 1
}

variable "provisioning" {
  description = "Node capacity: on-demand, spot, reservation or queued (DWS flex-start)."
  type        = string
  default     = "on-demand"
  validation {
    condition     = contains(["on-demand", "spot", "reservation", "queued"], var.provisioning)
    error_message = "provisioning must be one of: on-demand, spot, reservation, queued."
  }
}

variable "reservation_name" {
  description = "Reservation to consume when provisioning = reservation."
  type        = string
  default     = null
}

variable "gpu_driver_version" {
  description = "GPU driver GKE installs: LATEST or DEFAULT."
  type        = string
  default     = "LATEST"
  validation {
    condition     = contains(["LATEST", "DEFAULT"], var.gpu_driver_version)
    error_message = "gpu_driver_version must be one of: LATEST, DEFAULT."
  }
}
