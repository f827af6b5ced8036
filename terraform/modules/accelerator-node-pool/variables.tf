variable "enabled" {
  description = "Create the node pool. When false the module only reports the accelerator's node selector."
  type        = bool
  default     = false
}

variable "project_id" {
  description = "Google Cloud project of the cluster."
  type        = string
}

variable "location" {
  description = "Cluster location (region or zone)."
  type        = string
}

variable "cluster_name" {
  description = "Existing GKE cluster to add the node pool to."
  type        = string
}

variable "accelerator" {
  description = "GKE accelerator name, e.g. nvidia-l4 or tpu-v6e-slice."
  type        = string
  default     = "nvidia-l4"
  validation {
    condition     = contains(keys(local.catalog), var.accelerator)
    error_message = "accelerator must be one of: ${join(", ", sort(keys(local.catalog)))}."
  }
}

variable "accelerator_count" {
  description = "Accelerator chips per node (GPUs per VM, or TPU chips per slice); the catalog maps it to a machine type. Checked only when enabled."
  type        = number
  default     = 1
  validation {
    condition     = !var.enabled || try(contains(keys(local.catalog[var.accelerator].machine_types), tostring(var.accelerator_count)), true)
    error_message = "accelerator_count is not offered for this accelerator; the counts per node are in catalog.tf (local.catalog)."
  }
}

variable "name" {
  description = "Node pool name; null means pybench-ACCELERATOR."
  type        = string
  default     = null
}

variable "node_locations" {
  description = "Zones for the nodes (where the accelerator is available); null uses the cluster's node locations."
  type        = list(string)
  default     = null
}

variable "min_nodes" {
  description = "Autoscaling lower bound, total over all zones. 0 lets the pool scale to zero between benchmarks."
  type        = number
  default     = 0
  validation {
    condition     = var.min_nodes >= 0
    error_message = "min_nodes must be 0 or more."
  }
}

variable "max_nodes" {
  description = "Autoscaling upper bound, total over all zones."
  type        = number
  default     = 1
  validation {
    condition     = var.max_nodes >= 1 && var.max_nodes >= var.min_nodes
    error_message = "max_nodes must be at least 1 and at least min_nodes."
  }
}

variable "provisioning" {
  description = "How capacity is obtained: on-demand, spot, reservation (needs reservation_name) or queued (DWS flex-start)."
  type        = string
  default     = "on-demand"
  validation {
    condition     = contains(["on-demand", "spot", "reservation", "queued"], var.provisioning)
    error_message = "provisioning must be one of: on-demand, spot, reservation, queued."
  }
}

variable "reservation_name" {
  description = "Compute Engine reservation to consume when provisioning = reservation."
  type        = string
  default     = null
  validation {
    condition     = var.provisioning != "reservation" || var.reservation_name != null
    error_message = "reservation_name is required when provisioning is reservation."
  }
}

variable "gpu_driver_version" {
  description = "NVIDIA driver that GKE installs on GPU nodes."
  type        = string
  default     = "LATEST"
  validation {
    condition     = contains(["LATEST", "DEFAULT"], var.gpu_driver_version)
    error_message = "gpu_driver_version must be one of: LATEST, DEFAULT."
  }
}

variable "disk_size_gb" {
  description = "Boot disk size per node in GB (model weights are cached there)."
  type        = number
  default     = 200
  validation {
    condition     = var.disk_size_gb >= 10
    error_message = "disk_size_gb must be at least 10."
  }
}

variable "disk_type" {
  description = "Boot disk type; null picks hyperdisk-balanced where the machine series needs it, else pd-balanced."
  type        = string
  default     = null
}

variable "service_account" {
  description = "Google service account email of the node VMs; null uses the Compute Engine default service account."
  type        = string
  default     = null
}

variable "node_labels" {
  description = "Kubernetes labels put on the nodes."
  type        = map(string)
  default     = {}
}

variable "resource_labels" {
  description = "Google Cloud labels put on the node VMs."
  type        = map(string)
  default     = {}
}
