"""Example vLLM model servers (Deployment + Service + PodMonitoring) from manifests/servers/, for `pybench serve`."""

import re
from dataclasses import dataclass
from typing import Any

from pybench.accelerators import get_accelerator
from pybench.render.config import MANIFESTS_DIR
from pybench.render.manifests import MANAGED_BY, fill, label_value, load_template

SERVER_TEMPLATES = MANIFESTS_DIR / "servers"
DEFAULT_IMAGES = {
    "gpu": "vllm/vllm-openai:v0.11.0",
    "tpu": "vllm/vllm-tpu:nightly-20260330-2f76400-8c0b626",
}
PORT = 8000


def server_name(accelerator: str, model: str) -> str:
    """A Service-safe name such as 'vllm-nvidia-l4-llama-3-1-8b-instruct' (DNS-1035 label, <= 50 chars)."""
    short_model = model.rsplit("/", 1)[-1]
    name = re.sub(r"[^a-z0-9]+", "-", f"vllm-{accelerator}-{short_model}".lower()).strip("-")
    return name[:50].rstrip("-")


@dataclass
class ServerSpec:
    accelerator: str
    model: str
    namespace: str
    accelerator_count: int = 1
    name: str | None = None
    image: str | None = None
    cpu: int = 4
    memory: str = "24Gi"
    cache_size: str = "100Gi"  # model weights; the node needs that much local disk

    @property
    def resolved_name(self) -> str:
        return self.name or server_name(self.accelerator, self.model)


def render_server(spec: ServerSpec) -> list[dict[str, Any]]:
    """[Deployment, Service, PodMonitoring] serving spec.model on spec.accelerator."""
    accelerator = get_accelerator(spec.accelerator)
    name = spec.resolved_name
    labels = {
        "app.kubernetes.io/name": "vllm",
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/part-of": "pybench",
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "pybench.dev/accelerator": label_value(spec.accelerator),
        "pybench.dev/model": label_value(spec.model),
    }
    cache_gi = int(spec.cache_size.removesuffix("Gi")) if spec.cache_size.endswith("Gi") else None
    values = {
        "name": name, "namespace": spec.namespace, "labels": labels, "pod_labels": {"app": name, **labels},
        "model_id": spec.model, "image": spec.image or DEFAULT_IMAGES[accelerator.kind],
        "node_selector": accelerator.node_selector(spec.accelerator_count),
        "accelerator_count": spec.accelerator_count, "cpu": spec.cpu, "memory": spec.memory,
        "cache_size": spec.cache_size,
        # the emptyDirs count against ephemeral storage: weights cache + /tmp + headroom
        "ephemeral_storage": f"{cache_gi + 4}Gi" if cache_gi else spec.cache_size,
    }
    return [fill(doc, values) for doc in load_template(SERVER_TEMPLATES / f"vllm-{accelerator.kind}.yaml")]


def server_endpoint(spec: ServerSpec) -> str:
    """The URL the load generator uses inside the cluster."""
    return f"http://{spec.resolved_name}.{spec.namespace}.svc.cluster.local:{PORT}"
