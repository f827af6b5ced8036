output "node_pool_name" {
  description = "Name of the node pool, or null when the module is disabled."
  value       = one(google_container_node_pool.this[*].name)
}

output "accelerator" {
  description = "GKE accelerator name."
  value       = var.accelerator
}

output "kind" {
  description = "gpu or tpu."
  value       = local.accel.kind
}

output "machine_type" {
  description = "Machine type for accelerator_count chips per node (null if the catalog has none)."
  value       = local.machine_type
}

output "tpu_topology" {
  description = "TPU slice topology, or null for GPUs."
  value       = local.tpu_topology
}

output "resource_name" {
  description = "Extended resource that pods request: nvidia.com/gpu or google.com/tpu."
  value       = local.is_gpu ? "nvidia.com/gpu" : "google.com/tpu"
}

output "node_selector" {
  description = "nodeSelector that puts a pod on this accelerator."
  value       = local.node_selector
}
