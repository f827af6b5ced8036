# The root module with NODE_POOL=true: the node pool is created and its selector reported. (An invalid
# accelerator is rejected by the module's validation: see accelerators.tftest.hcl.)

mock_provider "google" {
  mock_data "google_project" {
    defaults = { number = "123456789012" }
  }
  mock_data "google_container_cluster" {
    defaults = {
      endpoint    = "203.0.113.10"
      master_auth = [{ cluster_ca_certificate = "Q0E=", client_certificate = "", client_key = "", client_certificate_config = [] }]
    }
  }
}

mock_provider "kubernetes" {}

variables {
  project_id   = "demo-project"
  location     = "europe-west4"
  cluster_name = "bench"
}

run "tpu_node_pool_from_root" {
  variables {
    node_pool         = true
    accelerator       = "tpu-v6e-slice"
    accelerator_count = 8
    hf_token_secret   = "hf-token"
  }
  assert {
    condition     = output.node_pool_name == "pybench-tpu-v6e-slice"
    error_message = "node_pool = true creates pybench-ACCELERATOR."
  }
  assert {
    condition     = output.node_selector["cloud.google.com/gke-tpu-topology"] == "2x4"
    error_message = "The root reports the TPU topology in the node selector."
  }
}

run "gpu_node_pool_from_root" {
  variables {
    node_pool         = true
    accelerator       = "nvidia-h100-80gb"
    accelerator_count = 2
  }
  assert {
    condition     = output.node_pool_name == "pybench-nvidia-h100-80gb"
    error_message = "node_pool = true creates pybench-ACCELERATOR."
  }
}
