# Who the inference-perf Job is: a namespace, a Kubernetes service account, and IAM grants made straight to that
# KSA's Workload Identity principal (no Google service account, no keys).

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  labels = merge(var.labels, {
    "app.kubernetes.io/part-of"    = "pybench"
    "app.kubernetes.io/managed-by" = "terraform"
  })
  namespace = var.create_namespace ? kubernetes_namespace_v1.this[0].metadata[0].name : var.namespace
  principal = join("/", [
    "principal://iam.googleapis.com/projects/${data.google_project.this.number}/locations/global",
    "workloadIdentityPools/${var.project_id}.svc.id.goog/subject/ns/${local.namespace}",
    "sa/${kubernetes_service_account_v1.this.metadata[0].name}",
  ])
}

resource "kubernetes_namespace_v1" "this" {
  count = var.create_namespace ? 1 : 0

  metadata {
    name   = var.namespace
    labels = local.labels
  }
}

resource "kubernetes_service_account_v1" "this" {
  metadata {
    name      = var.ksa_name
    namespace = local.namespace
    labels    = local.labels
  }
  # Workload Identity needs no Kubernetes API token in the pod; a pod that does can still opt in.
  automount_service_account_token = false
}

# Write report objects and check that they exist.
resource "google_storage_bucket_iam_member" "results_object_user" {
  bucket = var.bucket_name
  role   = "roles/storage.objectUser"
  member = local.principal
}

# storage.buckets.get on this bucket only (inference-perf calls lookup_bucket).
resource "google_storage_bucket_iam_member" "results_bucket_reader" {
  bucket = var.bucket_name
  role   = "roles/storage.legacyBucketReader"
  member = local.principal
}

# Read Google Managed Prometheus (server-side metrics); there is no narrower scope than the project.
resource "google_project_iam_member" "monitoring_viewer" {
  project = var.project_id
  role    = "roles/monitoring.viewer"
  member  = local.principal
}

# Read the Hugging Face token, only when one is named, and only that secret.
resource "google_secret_manager_secret_iam_member" "hf_token" {
  count = var.hf_token_secret == null ? 0 : 1

  project   = var.project_id
  secret_id = var.hf_token_secret
  role      = "roles/secretmanager.secretAccessor"
  member    = local.principal
}
