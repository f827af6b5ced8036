# Workload Identity grants of the benchmark-identity module, with and without a Hugging Face token secret.

mock_provider "google" {
  mock_data "google_project" {
    defaults = { number = "123456789012" }
  }
}

mock_provider "kubernetes" {}

variables {
  project_id  = "demo-project"
  namespace   = "bench-ns"
  ksa_name    = "runner"
  bucket_name = "demo-results"
}

run "hf_secret_off" {
  module {
    source = "./modules/benchmark-identity"
  }
  assert {
    condition     = length(google_secret_manager_secret_iam_member.hf_token) == 0
    error_message = "Without hf_token_secret no secret access may be granted."
  }
  assert {
    condition = alltrue([
      for m in [
        google_storage_bucket_iam_member.results_object_user.member,
        google_storage_bucket_iam_member.results_bucket_reader.member,
        google_project_iam_member.monitoring_viewer.member,
      ] : m == "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/demo-project.svc.id.goog/subject/ns/bench-ns/sa/runner"
    ])
    error_message = "Every grant must go straight to the KSA principal."
  }
  assert {
    condition = (
      google_storage_bucket_iam_member.results_object_user.role == "roles/storage.objectUser" &&
      google_storage_bucket_iam_member.results_object_user.bucket == "demo-results" &&
      google_storage_bucket_iam_member.results_bucket_reader.role == "roles/storage.legacyBucketReader" &&
      google_storage_bucket_iam_member.results_bucket_reader.bucket == "demo-results"
    )
    error_message = "Storage roles must be scoped to the results bucket."
  }
  assert {
    condition     = google_project_iam_member.monitoring_viewer.role == "roles/monitoring.viewer"
    error_message = "The only project-level role is monitoring.viewer."
  }
  assert {
    condition     = kubernetes_service_account_v1.this.metadata[0].namespace == "bench-ns"
    error_message = "The KSA lives in the benchmark namespace."
  }
}

run "hf_secret_on" {
  module {
    source = "./modules/benchmark-identity"
  }
  variables {
    hf_token_secret = "hf-token"
  }
  assert {
    condition     = length(google_secret_manager_secret_iam_member.hf_token) == 1
    error_message = "A named secret gets exactly one grant."
  }
  assert {
    condition = (
      google_secret_manager_secret_iam_member.hf_token[0].secret_id == "hf-token" &&
      google_secret_manager_secret_iam_member.hf_token[0].role == "roles/secretmanager.secretAccessor"
    )
    error_message = "secretAccessor is granted on the named secret only."
  }
}

run "existing_namespace" {
  module {
    source = "./modules/benchmark-identity"
  }
  variables {
    create_namespace = false
  }
  assert {
    condition     = length(kubernetes_namespace_v1.this) == 0 && kubernetes_service_account_v1.this.metadata[0].namespace == "bench-ns"
    error_message = "create_namespace = false must reuse the namespace."
  }
}
