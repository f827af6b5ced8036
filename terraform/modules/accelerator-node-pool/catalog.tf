# The accelerator catalog: GKE accelerator name -> kind, chips per node -> machine type, and for TPUs chips -> slice
# topology. pybench/accelerators.py holds the same catalog; tests/test_terraform_static.py checks that they agree.
locals {
  catalog = {
    "nvidia-l4" = {
      kind           = "gpu"
      machine_types  = { "1" = "g2-standard-8", "2" = "g2-standard-24", "4" = "g2-standard-48", "8" = "g2-standard-96" }
      tpu_topologies = {}
    }
    "nvidia-tesla-a100" = {
      kind = "gpu"
      machine_types = {
        "1" = "a2-highgpu-1g", "2" = "a2-highgpu-2g", "4" = "a2-highgpu-4g", "8" = "a2-highgpu-8g", "16" = "a2-megagpu-16g"
      }
      tpu_topologies = {}
    }
    "nvidia-a100-80gb" = {
      kind           = "gpu"
      machine_types  = { "1" = "a2-ultragpu-1g", "2" = "a2-ultragpu-2g", "4" = "a2-ultragpu-4g", "8" = "a2-ultragpu-8g" }
      tpu_topologies = {}
    }
    "nvidia-h100-80gb" = {
      kind           = "gpu"
      machine_types  = { "1" = "a3-highgpu-1g", "2" = "a3-highgpu-2g", "4" = "a3-highgpu-4g", "8" = "a3-highgpu-8g" }
      tpu_topologies = {}
    }
    "nvidia-h100-mega-80gb" = {
      kind           = "gpu"
      machine_types  = { "8" = "a3-megagpu-8g" }
      tpu_topologies = {}
    }
    "nvidia-h200-141gb" = {
      kind           = "gpu"
      machine_types  = { "8" = "a3-ultragpu-8g" }
      tpu_topologies = {}
    }
    "tpu-v5-lite-podslice" = {
      kind           = "tpu"
      machine_types  = { "1" = "ct5lp-hightpu-1t", "4" = "ct5lp-hightpu-4t", "8" = "ct5lp-hightpu-8t" }
      tpu_topologies = { "1" = "1x1", "4" = "2x2", "8" = "2x4" }
    }
    "tpu-v6e-slice" = {
      kind           = "tpu"
      machine_types  = { "1" = "ct6e-standard-1t", "4" = "ct6e-standard-4t", "8" = "ct6e-standard-8t" }
      tpu_topologies = { "1" = "1x1", "4" = "2x2", "8" = "2x4" }
    }
  }

  # Machine series whose boot disk must be Hyperdisk (they have no Persistent Disk support).
  hyperdisk_only_prefixes = ["a3-megagpu-", "a3-ultragpu-", "a4-", "ct6e-", "g4-"]
}
