"""The one renderer: scenario + accelerator + model + endpoint + storage + run id + overrides -> the final
inference-perf config. Local runs write it to a file; GKE runs put the same dict in a ConfigMap."""

import copy
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pybench.accelerators import get_accelerator
from pybench.errors import OverrideError, ScenarioError

MANIFESTS_DIR = Path(os.environ.get("PYBENCH_MANIFESTS", Path(__file__).resolve().parents[2] / "manifests"))
SCENARIOS_DIR = MANIFESTS_DIR / "scenarios"
RUN_ID_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass
class Scenario:
    name: str
    path: Path
    config: dict[str, Any]


@dataclass
class Storage:
    """Where inference-perf writes its reports: always a local folder, plus a GCS prefix for cluster runs."""

    local_path: str
    gcs_bucket: str | None = None
    gcs_path: str | None = None


@dataclass
class RenderRequest:
    scenario: Scenario
    endpoint: str
    accelerator: str
    run_id: str
    storage: Storage
    model: str | None = None
    tokenizer: str | None = None  # a local folder or hub id; default: the model id
    num_workers: int | None = None
    overrides: list[str] = field(default_factory=list)


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml"))


def load_scenario(name_or_path: str) -> Scenario:
    """Load a built-in scenario by name (manifests/scenarios/NAME.yaml) or a user's own file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIOS_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            raise ScenarioError(
                f"No scenario named '{name_or_path}'; built-in: {', '.join(available_scenarios())}, or give a YAML file path."
            )
    if not path.is_file():
        raise ScenarioError(f"Scenario file {path} does not exist.")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"Scenario file {path}{where} is not valid YAML: {getattr(e, 'problem', e)}.") from None
    if not isinstance(config, dict):
        raise ScenarioError(f"Scenario file {path} must hold a mapping of inference-perf config sections.")
    scenario = Scenario(name=path.stem, path=path, config=config)
    validate_config(config, source=f"Scenario file {path}")
    return scenario


def new_run_id(scenario: str, accelerator: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", f"{scenario}-{accelerator}".lower()).strip("-")[:40]
    return f"{stamp}-{slug}-{secrets.token_hex(2)}"


def check_run_id(run_id: str) -> str:
    if not RUN_ID_PATTERN.match(run_id):
        raise OverrideError(
            f"Run id '{run_id}' is not valid; use 1-63 lowercase letters, digits and '-', starting and ending alphanumeric."
        )
    return run_id


def parse_override(item: str) -> tuple[list[str], Any]:
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise OverrideError(f"--set '{item}' must look like KEY=VALUE, e.g. load.num_workers=4.")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip().split("."), value


def set_path(config: dict[str, Any], keys: list[str], value: Any) -> None:
    node: Any = config
    for i, key in enumerate(keys[:-1]):
        nxt = keys[i + 1]
        if isinstance(node, list):
            node = node[int(key)]
            continue
        if not isinstance(node.get(key), (dict, list)):
            node[key] = [] if nxt.isdigit() else {}
        node = node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def render_config(req: RenderRequest) -> dict[str, Any]:
    """The final inference-perf config for one run, validated against inference-perf's own strict schema."""
    get_accelerator(req.accelerator)
    check_run_id(req.run_id)
    config = copy.deepcopy(req.scenario.config)

    server = config.setdefault("server", {})
    server.setdefault("type", "vllm")
    server["base_url"] = req.endpoint.rstrip("/")
    if req.model:
        server["model_name"] = req.model
    tokenizer = req.tokenizer or req.model
    if tokenizer:
        config.setdefault("tokenizer", {})["pretrained_model_name_or_path"] = tokenizer

    load = config.setdefault("load", {})
    if req.num_workers is not None:
        load["num_workers"] = req.num_workers

    storage: dict[str, Any] = {"local_storage": {"path": req.storage.local_path}}
    if req.storage.gcs_bucket:
        storage["google_cloud_storage"] = {
            "bucket_name": req.storage.gcs_bucket,
            "path": req.storage.gcs_path or f"runs/{req.run_id}",
        }
    config["storage"] = storage

    for item in req.overrides:
        keys, value = parse_override(item)
        try:
            set_path(config, keys, value)
        except (IndexError, ValueError, AttributeError, TypeError):
            raise OverrideError(f"--set {'.'.join(keys)}: no such element in the scenario.") from None
        validate_config(config, source=f"--set {'.'.join(keys)}")
    validate_config(config, source=f"Scenario {req.scenario.name}")
    return config


def validate_config(config: dict[str, Any], source: str) -> None:
    """Check a config against inference-perf's pydantic models (which reject unknown keys)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # its "PyTorch was not found" notice is noise here
    from inference_perf.config import read_config
    from pydantic import ValidationError

    try:
        _validate_stages(config)
        read_config(None, config)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-after"))
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown key (inference-perf rejects it)"
        error = OverrideError if source.startswith("--set") else ScenarioError
        raise error(f"{source}: field '{loc}': {msg}.") from None
    except (TypeError, ValueError) as e:
        raise ScenarioError(f"{source}: {e}.") from None


def _validate_stages(config: dict[str, Any]) -> None:
    """inference-perf converts each stage on its own, which loses the stage's index in error messages."""
    from inference_perf.config import ConcurrentLoadStage, StandardLoadStage, TraceSessionReplayLoadStage
    from pydantic import ValidationError

    load = config.get("load") or {}
    models: dict[str, type[Any]] = {"concurrent": ConcurrentLoadStage,
                                    "trace_session_replay": TraceSessionReplayLoadStage}
    stage_model = models.get(str(load.get("type")), StandardLoadStage)
    for i, stage in enumerate(load.get("stages") or []):
        if not isinstance(stage, dict):
            raise TypeError(f"field 'load.stages.{i}' must be a mapping such as {{rate: 2, duration: 30}}")
        try:
            stage_model(**stage)
        except ValidationError as e:
            errors: list[Any] = list(e.errors())
            for error in errors:
                error["loc"] = ("load", "stages", i, *error["loc"])
            raise ValidationError.from_exception_data(e.title, errors) from None


def planned_stages(config: dict[str, Any]) -> int:
    load = config.get("load") or {}
    sweep = load.get("sweep")
    if sweep:
        return int(sweep.get("num_stages", 5))
    return len(load.get("stages") or [])


def planned_duration_s(config: dict[str, Any]) -> float:
    """Seconds the load itself lasts, from the stages and the pauses between them (sweeps: their stage length)."""
    load = config.get("load") or {}
    interval = float(load.get("interval", 1.0))
    sweep = load.get("sweep")
    if sweep:
        n = int(sweep.get("num_stages", 5))
        return n * (float(sweep.get("stage_duration", 180)) + interval) + float(sweep.get("timeout", 60))
    stages = load.get("stages") or []
    return sum(float(s.get("duration", 0) or 0) for s in stages) + interval * max(len(stages) - 1, 0)


def dump_yaml(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, sort_keys=False)
