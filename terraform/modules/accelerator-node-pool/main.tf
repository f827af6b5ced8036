# An optional node pool for the model server, sized from the accelerator catalog.

locals {
  accel     = local.catalog[var.accelerator]
  is_gpu    = local.accel.kind == "gpu"
  count_key = tostring(var.accelerator_count)
  # null when the catalog has no machine for this count: allowed only while the pool is disabled (see variables.tf).
  machine_type = lookup(local.accel.machine_types, local.count_key, null)
  tpu_topology = local.is_gpu ? null : lookup(local.accel.tpu_topologies, local.count_key, null)
  name         = coalesce(var.name, "pybench-${var.accelerator}")
  queued       = var.provisioning == "queued"
  hyperdisk = anytrue([
    for prefix in local.hyperdisk_only_prefixes : startswith(local.machine_type == null ? "" : local.machine_type, prefix)
  ])
  disk_type = coalesce(var.disk_type, local.hyperdisk ? "hyperdisk-balanced" : "pd-balanced")

  node_selector = local.is_gpu ? tomap({
    "cloud.google.com/gke-accelerator" = var.accelerator
    }) : tomap({
    "cloud.google.com/gke-tpu-accelerator" = var.accelerator
    "cloud.google.com/gke-tpu-topology"    = local.tpu_topology
  })

  # Reservation affinity per provisioning mode; on-demand and spot leave the API default.
  reservation = {
    "reservation" = { type = "SPECIFIC_RESERVATION", key = "compute.googleapis.com/reservation-name", values = [var.reservation_name] }
    "queued"      = { type = "NO_RESERVATION", key = null, values = null }
  }
}

resource "google_container_node_pool" "this" {
  #checkov:skip=CKV_GCP_9:auto_repair is on except with queued provisioning (DWS flex-start), which GKE requires to run without it.
  count = var.enabled ? 1 : 0

  name               = local.name
  project            = var.project_id
  location           = var.location
  cluster            = var.cluster_name
  node_locations     = var.node_locations
  initial_node_count = local.queued ? 0 : var.min_nodes

  autoscaling {
    total_min_node_count = local.queued ? 0 : var.min_nodes
    total_max_node_count = var.max_nodes
    location_policy      = local.queued || var.provisioning == "spot" ? "ANY" : "BALANCED"
  }

  management {
    # Queued provisioning (DWS flex-start) requires auto-repair off: GKE would otherwise replace the whole request.
    auto_repair  = !local.queued
    auto_upgrade = true
  }

  dynamic "placement_policy" {
    for_each = local.is_gpu ? [] : [local.tpu_topology]
    content {
      type         = "COMPACT"
      tpu_topology = placement_policy.value
    }
  }

  dynamic "queued_provisioning" {
    for_each = local.queued ? [true] : []
    content {
      enabled = queued_provisioning.value
    }
  }

  node_config {
    machine_type    = local.machine_type
    image_type      = "COS_CONTAINERD"
    disk_size_gb    = var.disk_size_gb
    disk_type       = local.disk_type
    spot            = var.provisioning == "spot"
    service_account = var.service_account
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    labels          = var.node_labels
    resource_labels = var.resource_labels

    dynamic "guest_accelerator" {
      for_each = local.is_gpu ? [var.accelerator] : []
      content {
        type  = guest_accelerator.value
        count = var.accelerator_count
        gpu_driver_installation_config {
          gpu_driver_version = var.gpu_driver_version
        }
      }
    }

    dynamic "reservation_affinity" {
      for_each = contains(keys(local.reservation), var.provisioning) ? [local.reservation[var.provisioning]] : []
      content {
        consume_reservation_type = reservation_affinity.value.type
        key                      = reservation_affinity.value.key
        values                   = reservation_affinity.value.values
      }
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }
  }
}
