# Example: accelerator node pools on an existing cluster, without the rest of pybench's stack.
# Also what checkov scans for the node pool (the root module creates none by default).

provider "google" {
  project = var.project_id
}

module "l4_spot" {
  source = "../../modules/accelerator-node-pool"

  enabled           = true
  project_id        = var.project_id
  location          = var.location
  cluster_name      = var.cluster_name
  accelerator       = "nvidia-l4"
  accelerator_count = 1
  provisioning      = "spot"
  max_nodes         = 2
}

module "v6e_flex_start" {
  source = "../../modules/accelerator-node-pool"

  enabled           = true
  project_id        = var.project_id
  location          = var.location
  cluster_name      = var.cluster_name
  accelerator       = "tpu-v6e-slice"
  accelerator_count = 8
  provisioning      = "queued"
}
