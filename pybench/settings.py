"""Layered settings: a command-line flag wins, then the environment variable users export, then the outputs that
`pybench bootstrap` saved, then the default. Each resolved value remembers where it came from (`pybench config`)."""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def state_dir() -> Path:
    """Where pybench keeps per-checkout state such as bootstrap outputs (PYBENCH_STATE_DIR, default ./.pybench)."""
    return Path(os.environ.get("PYBENCH_STATE_DIR", ".pybench"))


def bootstrap_outputs_path() -> Path:
    return state_dir() / "bootstrap.json"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str | None
    default: Any = None
    output: str | None = None  # key in the bootstrap outputs
    help: str = ""


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("accelerator", "ACCELERATOR", "nvidia-l4", help="GKE accelerator name of the model server"),
        Setting("model_id", "MODEL_ID", None, help="model the server serves (default: what /v1/models lists)"),
        Setting("endpoint", "ENDPOINT", None, help="model server base URL"),
        Setting("project_id", "PROJECT_ID", None, output="project_id", help="Google Cloud project"),
        Setting("region", "REGION", None, output="location", help="cluster location"),
        Setting("cluster", "CLUSTER", None, output="cluster_name", help="GKE cluster name"),
        Setting("namespace", "NAMESPACE", "pybench", output="namespace", help="Kubernetes namespace for the Job"),
        Setting("ksa", "KSA", None, output="ksa_name", help="Kubernetes service account of the Job"),
        Setting("bucket", "BUCKET", None, output="bucket_name", help="GCS bucket for reports"),
        Setting("results_dir", "PYBENCH_RESULTS", "results", help="local folder for runs"),
    ]
}


@dataclass(frozen=True)
class Resolved:
    value: Any
    source: str  # "flag", "env ACCELERATOR", "bootstrap", "default"


def load_bootstrap_outputs() -> dict[str, Any]:
    path = bootstrap_outputs_path()
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def resolve(name: str, flag_value: Any = None, outputs: dict[str, Any] | None = None) -> Resolved:
    """Resolve one setting through flag -> environment -> bootstrap outputs -> default."""
    setting = SETTINGS[name]
    if flag_value not in (None, ""):
        return Resolved(flag_value, "flag")
    if setting.env and os.environ.get(setting.env):
        return Resolved(os.environ[setting.env], f"env {setting.env}")
    if setting.output:
        outputs = load_bootstrap_outputs() if outputs is None else outputs
        if outputs.get(setting.output) not in (None, ""):
            return Resolved(outputs[setting.output], "bootstrap")
    return Resolved(setting.default, "default")


def resolve_all(flags: dict[str, Any] | None = None) -> dict[str, Resolved]:
    flags = flags or {}
    outputs = load_bootstrap_outputs()
    return {name: resolve(name, flags.get(name), outputs) for name in SETTINGS}
