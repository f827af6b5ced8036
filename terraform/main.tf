# pybench's benchmark infrastructure on an existing GKE cluster: results bucket, Job identity, optional accelerator
# node pool. `pybench bootstrap` applies it; `pybench destroy` removes it (keeping the results bucket unless asked).

locals {
  # us-central1-a -> us-central1; a region stays as it is.
  region      = can(regex("^[a-z]+-[a-z]+[0-9]+-[a-z]$", var.location)) ? replace(var.location, "/-[a-z]$/", "") : var.location
  bucket_name = coalesce(var.bucket_name, "${var.project_id}-pybench-results")
  labels      = merge({ "managed-by" = "pybench" }, var.labels)
}

provider "google" {
  project = var.project_id
  region  = local.region
}

data "google_client_config" "current" {}

data "google_container_cluster" "this" {
  name     = var.cluster_name
  location = var.location
  project  = var.project_id
}

provider "kubernetes" {
  host                   = "https://${data.google_container_cluster.this.endpoint}"
  token                  = data.google_client_config.current.access_token
  cluster_ca_certificate = base64decode(data.google_container_cluster.this.master_auth[0].cluster_ca_certificate)
}

module "results" {
  source = "./modules/results-bucket"

  project_id                  = var.project_id
  name                        = local.bucket_name
  location                    = coalesce(var.bucket_location, local.region)
  labels                      = local.labels
  force_destroy               = var.force_destroy_results
  raw_files_delete_after_days = var.raw_files_delete_after_days
}

module "identity" {
  source = "./modules/benchmark-identity"

  project_id       = var.project_id
  namespace        = var.namespace
  create_namespace = var.create_namespace
  ksa_name         = var.ksa_name
  bucket_name      = module.results.name
  hf_token_secret  = var.hf_token_secret
}

module "accelerator" {
  source = "./modules/accelerator-node-pool"

  enabled            = var.node_pool
  project_id         = var.project_id
  location           = var.location
  cluster_name       = data.google_container_cluster.this.name
  accelerator        = var.accelerator
  accelerator_count  = var.accelerator_count
  name               = var.node_pool_name
  node_locations     = var.node_locations
  min_nodes          = var.min_nodes
  max_nodes          = var.max_nodes
  provisioning       = var.provisioning
  reservation_name   = var.reservation_name
  gpu_driver_version = var.gpu_driver_version
  resource_labels    = local.labels
}
