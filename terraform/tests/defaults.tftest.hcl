# Root module with only the required inputs: bucket + identity, no node pool. Providers are mocked.

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
  mock_data "google_client_config" {
    defaults = { access_token = "mock-token" }
  }
}

mock_provider "kubernetes" {}

variables {
  project_id   = "demo-project"
  location     = "us-central1"
  cluster_name = "bench"
}

run "defaults_create_no_node_pool" {
  assert {
    condition     = output.node_pool_name == null
    error_message = "No node pool may be created unless node_pool = true."
  }
  assert {
    condition     = output.bucket_name == "demo-project-pybench-results"
    error_message = "The results bucket should default to PROJECT_ID-pybench-results."
  }
  assert {
    condition     = output.namespace == "pybench" && output.ksa_name == "pybench"
    error_message = "Namespace and KSA should default to pybench."
  }
  assert {
    condition     = output.node_selector == tomap({ "cloud.google.com/gke-accelerator" = "nvidia-l4" })
    error_message = "The default accelerator is nvidia-l4 and its node selector must still be reported."
  }
  assert {
    condition = output.workload_identity_principal == join("", [
      "principal://iam.googleapis.com/projects/123456789012/locations/global/",
      "workloadIdentityPools/demo-project.svc.id.goog/subject/ns/pybench/sa/pybench",
    ])
    error_message = "The grants must name the KSA's Workload Identity principal (project number, pool, namespace, KSA)."
  }
}

run "bucket_is_private_versioned_and_kept" {
  module {
    source = "./modules/results-bucket"
  }
  variables {
    name     = "demo-project-pybench-results"
    location = "us-central1"
  }
  assert {
    condition     = google_storage_bucket.results.uniform_bucket_level_access == true
    error_message = "Uniform bucket-level access must be on."
  }
  assert {
    condition     = google_storage_bucket.results.public_access_prevention == "enforced"
    error_message = "Public access prevention must be enforced."
  }
  assert {
    condition     = google_storage_bucket.results.versioning[0].enabled == true
    error_message = "Versioning must be on."
  }
  assert {
    condition     = google_storage_bucket.results.force_destroy == false
    error_message = "force_destroy must default to false so reports survive terraform destroy."
  }
  assert {
    condition     = length(google_storage_bucket.results.lifecycle_rule) == 1
    error_message = "Only the non-current-versions rule is on by default (the raw-files rule is optional)."
  }
}

run "raw_files_lifecycle_rule" {
  module {
    source = "./modules/results-bucket"
  }
  variables {
    name                        = "demo-project-pybench-results"
    location                    = "us-central1"
    raw_files_delete_after_days = 7
  }
  assert {
    condition = anytrue([
      for rule in google_storage_bucket.results.lifecycle_rule :
      one(rule.condition).age == 7 && one(rule.condition).matches_prefix == tolist(["raw/"]) && one(rule.action).type == "Delete"
    ])
    error_message = "raw_files_delete_after_days must add a Delete rule for raw/ objects of that age."
  }
}

run "zone_location_gives_regional_bucket" {
  variables {
    location = "us-central1-a"
  }
  assert {
    condition     = module.results.location == "us-central1"
    error_message = "A zonal cluster's bucket belongs in the zone's region."
  }
}
