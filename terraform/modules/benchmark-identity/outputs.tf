output "namespace" {
  description = "Namespace the benchmark Jobs run in."
  value       = local.namespace
}

output "ksa_name" {
  description = "Kubernetes service account of the benchmark Jobs."
  value       = kubernetes_service_account_v1.this.metadata[0].name
}

output "principal" {
  description = "Workload Identity principal of the KSA that the IAM grants name."
  value       = local.principal
}

output "granted_roles" {
  description = "Roles granted to the principal, each with the resource it is scoped to."
  value = merge(
    {
      "roles/storage.objectUser"         = "bucket ${var.bucket_name}"
      "roles/storage.legacyBucketReader" = "bucket ${var.bucket_name}"
      "roles/monitoring.viewer"          = "project ${var.project_id}"
    },
    var.hf_token_secret == null ? {} : { "roles/secretmanager.secretAccessor" = "secret ${var.hf_token_secret}" },
  )
}
