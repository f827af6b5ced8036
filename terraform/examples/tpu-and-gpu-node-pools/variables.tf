variable "project_id" {
  description = "Google Cloud project of the cluster."
  type        = string
}

variable "location" {
  description = "Cluster location (region or zone)."
  type        = string
}

variable "cluster_name" {
  description = "Existing GKE cluster."
  type        = string
}
