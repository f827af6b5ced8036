"""The accelerator catalog: GKE accelerator names, their machine types and node labels.

terraform/modules/accelerator-node-pool keeps the same catalog in HCL; tests/test_terraform_static.py checks that they agree.
"""

from dataclasses import dataclass, field

from pybench.errors import UnknownAccelerator


@dataclass(frozen=True)
class Accelerator:
    name: str
    kind: str  # "gpu" or "tpu"
    # chips per node -> machine type; for TPUs the value is (machine type, topology)
    machine_types: dict[int, str]
    tpu_topologies: dict[int, str] = field(default_factory=dict)

    @property
    def resource_name(self) -> str:
        return "nvidia.com/gpu" if self.kind == "gpu" else "google.com/tpu"

    def node_selector(self, count: int | None = None) -> dict[str, str]:
        if self.kind == "gpu":
            return {"cloud.google.com/gke-accelerator": self.name}
        count = count or min(self.tpu_topologies)
        return {
            "cloud.google.com/gke-tpu-accelerator": self.name,
            "cloud.google.com/gke-tpu-topology": self.topology(count),
        }

    def machine_type(self, count: int) -> str:
        if count not in self.machine_types:
            raise UnknownAccelerator(
                f"{self.name} comes in {', '.join(map(str, sorted(self.machine_types)))} per node, not {count}."
            )
        return self.machine_types[count]

    def topology(self, count: int) -> str:
        if count not in self.tpu_topologies:
            raise UnknownAccelerator(
                f"{self.name} slices have {', '.join(map(str, sorted(self.tpu_topologies)))} chips, not {count}."
            )
        return self.tpu_topologies[count]


def _gpu(name: str, machine_types: dict[int, str]) -> Accelerator:
    return Accelerator(name=name, kind="gpu", machine_types=machine_types)


def _tpu(name: str, machine_types: dict[int, str], topologies: dict[int, str]) -> Accelerator:
    return Accelerator(name=name, kind="tpu", machine_types=machine_types, tpu_topologies=topologies)


CATALOG: dict[str, Accelerator] = {
    a.name: a
    for a in [
        _gpu("nvidia-l4", {1: "g2-standard-8", 2: "g2-standard-24", 4: "g2-standard-48", 8: "g2-standard-96"}),
        _gpu(
            "nvidia-tesla-a100",
            {1: "a2-highgpu-1g", 2: "a2-highgpu-2g", 4: "a2-highgpu-4g", 8: "a2-highgpu-8g", 16: "a2-megagpu-16g"},
        ),
        _gpu("nvidia-a100-80gb", {1: "a2-ultragpu-1g", 2: "a2-ultragpu-2g", 4: "a2-ultragpu-4g", 8: "a2-ultragpu-8g"}),
        _gpu("nvidia-h100-80gb", {1: "a3-highgpu-1g", 2: "a3-highgpu-2g", 4: "a3-highgpu-4g", 8: "a3-highgpu-8g"}),
        _gpu("nvidia-h100-mega-80gb", {8: "a3-megagpu-8g"}),
        _gpu("nvidia-h200-141gb", {8: "a3-ultragpu-8g"}),
        _tpu(
            "tpu-v5-lite-podslice",
            {1: "ct5lp-hightpu-1t", 4: "ct5lp-hightpu-4t", 8: "ct5lp-hightpu-8t"},
            {1: "1x1", 4: "2x2", 8: "2x4"},
        ),
        _tpu(
            "tpu-v6e-slice",
            {1: "ct6e-standard-1t", 4: "ct6e-standard-4t", 8: "ct6e-standard-8t"},
            {1: "1x1", 4: "2x2", 8: "2x4"},
        ),
    ]
}


def get_accelerator(name: str) -> Accelerator:
    """Look an accelerator up by its GKE name, or say which names are valid."""
    try:
        return CATALOG[name]
    except KeyError:
        raise UnknownAccelerator(f"Unknown accelerator '{name}'; valid: {', '.join(CATALOG)}.") from None
