# pybench bootstrap saves these (flattened) to .pybench/bootstrap.json, where pybench bench reads them.

output "project_id" {
  description = "Google Cloud project."
  value       = var.project_id
}

output "location" {
  description = "Cluster location."
  value       = var.location
}

output "cluster_name" {
  description = "GKE cluster name."
  value       = var.cluster_name
}

output "namespace" {
  description = "Namespace of the benchmark Jobs."
  value       = module.identity.namespace
}

output "ksa_name" {
  description = "Kubernetes service account of the benchmark Jobs."
  value       = module.identity.ksa_name
}

output "workload_identity_principal" {
  description = "IAM principal of the KSA."
  value       = module.identity.principal
}

output "bucket_name" {
  description = "Results bucket name."
  value       = module.results.name
}

output "bucket_url" {
  description = "Results bucket URL."
  value       = module.results.url
}

output "accelerator" {
  description = "GKE accelerator name."
  value       = module.accelerator.accelerator
}

output "node_selector" {
  description = "nodeSelector for the accelerator."
  value       = module.accelerator.node_selector
}

output "node_pool_name" {
  description = "Accelerator node pool, or null when none was created."
  value       = module.accelerator.node_pool_name
}
