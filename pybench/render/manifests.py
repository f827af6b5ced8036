"""Kubernetes manifests from the templates in manifests/: the inference-perf ConfigMap + Job of a cluster run
(manifests/job/) and the example vLLM servers (manifests/servers/).

Templates are plain YAML with `${name}` placeholders. They are parsed first and filled afterwards, so a value is
never spliced into YAML text: a placeholder that is a whole scalar takes the value with its type (a mapping, a
number), one inside a longer string is replaced as text."""

import copy
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pybench.render.config import MANIFESTS_DIR, dump_yaml, planned_duration_s

JOB_TEMPLATES = MANIFESTS_DIR / "job"
DEFAULT_IMAGE = "quay.io/inference-perf/inference-perf:v0.7.0"
REPORTS_PATH = "/output/reports"  # storage.local_storage.path inside the pod (an emptyDir)
CONFIG_KEY = "config.yaml"
DEFAULT_TTL_S = 24 * 3600  # the finished Job (and its pod's log) stays a day, then Kubernetes deletes it
DEADLINE_MARGIN_S = 900  # image pull, tokenizer download, data preparation, report upload
DEADLINE_FACTOR = 1.25
MANAGED_BY = "pybench"
RUN_ID_LABEL = "pybench.dev/run-id"
PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
MAX_NAME = 52  # Job names leave room for the pod name's random suffix
# checkov findings that do not apply to the load generator's Job, each with the reason (rendered as annotations)
JOB_CHECKOV_SKIPS = {
    "CKV_K8S_43": "the image is pinned to a release tag (v0.7.0); --image takes a @sha256 digest to pin harder",
    "CKV2_K8S_6": "the load generator listens on no port; its egress (model server, GCS, Hugging Face) is for the "
                  "cluster's own NetworkPolicies to govern",
}


class TemplateError(ValueError):
    """A template names a placeholder that the renderer does not fill (a bug in manifests/, not user input)."""


def load_template(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def fill(node: Any, values: dict[str, Any]) -> Any:
    """Replace ${name} placeholders in a parsed template; a whole-scalar placeholder keeps the value's type."""
    if isinstance(node, dict):
        return {key: fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [fill(item, values) for item in node]
    if not isinstance(node, str):
        return node
    whole = PLACEHOLDER.fullmatch(node)
    if whole:
        return _value(whole.group(1), values)
    return PLACEHOLDER.sub(lambda m: str(_value(m.group(1), values)), node)


def _value(name: str, values: dict[str, Any]) -> Any:
    if name not in values:
        raise TemplateError(f"template placeholder ${{{name}}} has no value")
    return copy.deepcopy(values[name])  # every use gets its own copy: no YAML anchors, no shared edits


def label_value(text: str) -> str:
    """Text made into a valid label value: 'meta-llama/Llama-3.1-8B' -> 'meta-llama_Llama-3.1-8B' (<= 63 chars)."""
    value = re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", value)


def job_name(run_id: str) -> str:
    """The Job's (and ConfigMap's) name: 'pybench-' + run id, shortened with a hash suffix when too long."""
    name = f"pybench-{run_id}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:6]
    return f"{name[:MAX_NAME - 7].rstrip('-')}-{digest}"


def run_selector(run_id: str) -> str:
    return f"{RUN_ID_LABEL}={run_id},app.kubernetes.io/managed-by={MANAGED_BY}"


def active_deadline_s(config: dict[str, Any]) -> int:
    """Seconds the Job may run: the scenario's planned length with a factor, plus start-up and upload time."""
    return math.ceil(planned_duration_s(config) * DEADLINE_FACTOR + DEADLINE_MARGIN_S)


@dataclass
class JobSpec:
    """Everything about the inference-perf Job besides its config."""

    run_id: str
    namespace: str
    service_account: str
    accelerator: str
    scenario: str
    model: str | None = None
    image: str = DEFAULT_IMAGE
    cpu: int = 4  # also load.num_workers: inference-perf would otherwise start one worker per NODE cpu
    memory: str = "8Gi"
    ephemeral_storage: str = "6Gi"
    hf_token_secret: str | None = None  # "NAME" or "NAME:KEY" (key default: token)
    ttl_seconds: int = DEFAULT_TTL_S

    @property
    def name(self) -> str:
        return job_name(self.run_id)

    def labels(self) -> dict[str, str]:
        return {
            "app.kubernetes.io/name": "inference-perf",
            "app.kubernetes.io/component": "load-generator",
            "app.kubernetes.io/part-of": "pybench",
            "app.kubernetes.io/managed-by": MANAGED_BY,
            "app.kubernetes.io/version": label_value(self.image.rsplit(":", 1)[-1]) if ":" in self.image else "unknown",
            RUN_ID_LABEL: self.run_id,
            "pybench.dev/accelerator": label_value(self.accelerator),
            "pybench.dev/model": label_value(self.model or "unspecified") or "unspecified",
            "pybench.dev/scenario": label_value(self.scenario) or "custom",
        }

    def annotations(self) -> dict[str, str]:
        return {"pybench.dev/model": self.model or "", "pybench.dev/scenario": self.scenario}


def hf_secret_ref(value: str) -> tuple[str, str]:
    name, _, key = value.partition(":")
    return name, key or "token"


def render_job_manifests(spec: JobSpec, config: dict[str, Any]) -> list[dict[str, Any]]:
    """[ConfigMap, Job] for one cluster run; `config` is render_config()'s output for the same run."""
    values = {
        "name": spec.name, "namespace": spec.namespace, "labels": spec.labels(), "annotations": spec.annotations(),
        "config_yaml": dump_yaml(config), "active_deadline_seconds": active_deadline_s(config),
        "ttl_seconds_after_finished": spec.ttl_seconds, "service_account": spec.service_account, "image": spec.image,
        "cpu": spec.cpu, "memory": spec.memory, "ephemeral_storage": spec.ephemeral_storage,
    }
    configmap = fill(load_template(JOB_TEMPLATES / "configmap.yaml")[0], values)
    job = fill(load_template(JOB_TEMPLATES / "job.yaml")[0], values)
    skips = dict(JOB_CHECKOV_SKIPS)
    if spec.hf_token_secret:
        secret, key = hf_secret_ref(spec.hf_token_secret)
        container = job["spec"]["template"]["spec"]["containers"][0]
        container["env"].append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
        skips["CKV_K8S_35"] = "transformers and huggingface_hub in the image read the token from the HF_TOKEN variable"
    for i, (check, reason) in enumerate(skips.items(), start=1):
        job["metadata"]["annotations"][f"checkov.io/skip{i}"] = f"{check}={reason}"
    return [configmap, job]


class _ManifestDumper(yaml.SafeDumper):
    """Multi-line strings (the ConfigMap's config) as readable `|` blocks."""


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_ManifestDumper.add_representer(str, _str)


def dump_manifests(docs: list[dict[str, Any]]) -> str:
    return yaml.dump_all(docs, Dumper=_ManifestDumper, sort_keys=False, explicit_start=True, width=1000)
