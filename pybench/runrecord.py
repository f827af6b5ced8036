"""run.json: what pybench knows about a run beyond inference-perf's reports (who, what, where, when, outcome)."""

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

RUN_FILE = "run.json"


@dataclass
class RunRecord:
    run_id: str
    scenario: str
    target: str  # "local" or "gke"
    accelerator: str
    model: str | None
    endpoint: str
    tool_versions: dict[str, str] = field(default_factory=dict)
    started_at: str | None = None
    ended_at: str | None = None
    status: str = "running"  # running, succeeded, invalid, failed, interrupted
    exit_code: int | None = None
    reasons: list[str] = field(default_factory=list)
    planned_stages: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("pybench", "inference-perf"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    return versions


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_record(run_dir: Path, record: RunRecord) -> None:
    """Write run.json atomically so a crash never leaves half a file."""
    path = run_dir / RUN_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(record), indent=2) + "\n")
    os.replace(tmp, path)
