# The accelerator-node-pool module: every GPU family, TPU slices, capacity choices, and invalid input rejected.

mock_provider "google" {}

variables {
  enabled      = true
  project_id   = "demo-project"
  location     = "us-central1"
  cluster_name = "bench"
}

run "nvidia_l4" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator = "nvidia-l4"
  }
  assert {
    condition     = google_container_node_pool.this[0].node_config[0].machine_type == "g2-standard-8"
    error_message = "One L4 runs on g2-standard-8."
  }
  assert {
    condition = (
      google_container_node_pool.this[0].node_config[0].guest_accelerator[0].type == "nvidia-l4" &&
      google_container_node_pool.this[0].node_config[0].guest_accelerator[0].count == 1 &&
      google_container_node_pool.this[0].node_config[0].guest_accelerator[0].gpu_driver_installation_config[0].gpu_driver_version == "LATEST"
    )
    error_message = "The GPU goes in guest_accelerator with GKE-managed driver installation."
  }
  assert {
    condition     = length(google_container_node_pool.this[0].placement_policy) == 0
    error_message = "GPU pools have no TPU placement policy."
  }
  assert {
    condition = (
      google_container_node_pool.this[0].node_config[0].workload_metadata_config[0].mode == "GKE_METADATA" &&
      google_container_node_pool.this[0].node_config[0].shielded_instance_config[0].enable_secure_boot == true &&
      google_container_node_pool.this[0].management[0].auto_repair == true &&
      google_container_node_pool.this[0].management[0].auto_upgrade == true
    )
    error_message = "Nodes need the GKE metadata server, secure boot, auto-repair and auto-upgrade."
  }
  assert {
    condition = (
      google_container_node_pool.this[0].autoscaling[0].total_min_node_count == 0 &&
      google_container_node_pool.this[0].autoscaling[0].total_max_node_count == 1
    )
    error_message = "Default autoscaling is 0..1 nodes."
  }
  assert {
    condition     = output.node_selector == tomap({ "cloud.google.com/gke-accelerator" = "nvidia-l4" })
    error_message = "GPU node selector is cloud.google.com/gke-accelerator."
  }
}

run "nvidia_tesla_a100" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator       = "nvidia-tesla-a100"
    accelerator_count = 16
  }
  assert {
    condition     = google_container_node_pool.this[0].node_config[0].machine_type == "a2-megagpu-16g"
    error_message = "Sixteen A100 40GB run on a2-megagpu-16g."
  }
  assert {
    condition     = google_container_node_pool.this[0].node_config[0].guest_accelerator[0].count == 16
    error_message = "guest_accelerator count follows accelerator_count."
  }
}

run "nvidia_a100_80gb" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator       = "nvidia-a100-80gb"
    accelerator_count = 2
  }
  assert {
    condition     = google_container_node_pool.this[0].node_config[0].machine_type == "a2-ultragpu-2g"
    error_message = "Two A100 80GB run on a2-ultragpu-2g."
  }
}

run "nvidia_h100_80gb" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator        = "nvidia-h100-80gb"
    accelerator_count  = 8
    gpu_driver_version = "DEFAULT"
  }
  assert {
    condition = (
      google_container_node_pool.this[0].node_config[0].machine_type == "a3-highgpu-8g" &&
      google_container_node_pool.this[0].node_config[0].guest_accelerator[0].gpu_driver_installation_config[0].gpu_driver_version == "DEFAULT"
    )
    error_message = "Eight H100 run on a3-highgpu-8g with the chosen driver version."
  }
}

run "nvidia_h100_mega_80gb" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator       = "nvidia-h100-mega-80gb"
    accelerator_count = 8
  }
  assert {
    condition = (
      google_container_node_pool.this[0].node_config[0].machine_type == "a3-megagpu-8g" &&
      google_container_node_pool.this[0].node_config[0].disk_type == "hyperdisk-balanced"
    )
    error_message = "H100 Mega runs on a3-megagpu-8g with a Hyperdisk boot disk."
  }
}

run "nvidia_h200_141gb" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator       = "nvidia-h200-141gb"
    accelerator_count = 8
    provisioning      = "reservation"
    reservation_name  = "h200-res"
  }
  assert {
    condition     = google_container_node_pool.this[0].node_config[0].machine_type == "a3-ultragpu-8g"
    error_message = "H200 runs on a3-ultragpu-8g."
  }
  assert {
    condition = (
      google_container_node_pool.this[0].node_config[0].reservation_affinity[0].consume_reservation_type == "SPECIFIC_RESERVATION" &&
      google_container_node_pool.this[0].node_config[0].reservation_affinity[0].values == toset(["h200-res"])
    )
    error_message = "provisioning = reservation consumes the named reservation."
  }
}

run "tpu_v5e_slice" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator       = "tpu-v5-lite-podslice"
    accelerator_count = 8
    provisioning      = "spot"
  }
  assert {
    condition = (
      google_container_node_pool.this[0].node_config[0].machine_type == "ct5lp-hightpu-8t" &&
      google_container_node_pool.this[0].placement_policy[0].type == "COMPACT" &&
      google_container_node_pool.this[0].placement_policy[0].tpu_topology == "2x4"
    )
    error_message = "An 8-chip v5e slice is ct5lp-hightpu-8t with a COMPACT 2x4 placement policy."
  }
  assert {
    condition     = length(google_container_node_pool.this[0].node_config[0].guest_accelerator) == 0
    error_message = "TPU pools have no guest_accelerator."
  }
  assert {
    condition     = google_container_node_pool.this[0].node_config[0].spot == true
    error_message = "provisioning = spot makes Spot VMs."
  }
  assert {
    condition = output.node_selector == tomap({
      "cloud.google.com/gke-tpu-accelerator" = "tpu-v5-lite-podslice"
      "cloud.google.com/gke-tpu-topology"    = "2x4"
    })
    error_message = "TPU node selector names the accelerator and the topology."
  }
}

run "tpu_v6e_queued" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator       = "tpu-v6e-slice"
    accelerator_count = 4
    provisioning      = "queued"
    max_nodes         = 2
  }
  assert {
    condition = (
      google_container_node_pool.this[0].node_config[0].machine_type == "ct6e-standard-4t" &&
      google_container_node_pool.this[0].placement_policy[0].tpu_topology == "2x2"
    )
    error_message = "A 4-chip v6e slice is ct6e-standard-4t, topology 2x2."
  }
  assert {
    condition = (
      google_container_node_pool.this[0].queued_provisioning[0].enabled == true &&
      google_container_node_pool.this[0].initial_node_count == 0 &&
      google_container_node_pool.this[0].management[0].auto_repair == false &&
      google_container_node_pool.this[0].autoscaling[0].location_policy == "ANY" &&
      google_container_node_pool.this[0].node_config[0].reservation_affinity[0].consume_reservation_type == "NO_RESERVATION"
    )
    error_message = "Queued provisioning needs 0 initial nodes, no auto-repair, location policy ANY and no reservation."
  }
}

run "disabled_reports_selector_only" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    enabled     = false
    accelerator = "tpu-v6e-slice"
  }
  assert {
    condition     = length(google_container_node_pool.this) == 0 && output.node_pool_name == null
    error_message = "enabled = false creates nothing."
  }
  assert {
    condition     = output.node_selector["cloud.google.com/gke-tpu-topology"] == "1x1"
    error_message = "The selector still describes the accelerator."
  }
}

run "disabled_pool_ignores_the_count" {
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    enabled     = false
    accelerator = "nvidia-h200-141gb"
  }
  assert {
    condition     = output.machine_type == null && output.node_selector["cloud.google.com/gke-accelerator"] == "nvidia-h200-141gb"
    error_message = "Without a node pool the default count of 1 must not fail for 8-GPU-only machines."
  }
}

run "invalid_accelerator_rejected" {
  command = plan
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator = "nvidia-gtx-1080"
  }
  expect_failures = [var.accelerator]
}

run "invalid_count_rejected" {
  command = plan
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    accelerator       = "nvidia-h200-141gb"
    accelerator_count = 3
  }
  expect_failures = [var.accelerator_count]
}

run "reservation_needs_a_name" {
  command = plan
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    provisioning = "reservation"
  }
  expect_failures = [var.reservation_name]
}

run "invalid_provisioning_rejected" {
  command = plan
  module {
    source = "./modules/accelerator-node-pool"
  }
  variables {
    provisioning = "free"
  }
  expect_failures = [var.provisioning]
}
