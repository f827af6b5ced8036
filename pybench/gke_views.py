"""Terminal views for the cluster commands: `pybench config` (settings and their sources) and `pybench runs`."""

import json
import os
from typing import Any

from rich.console import Console
from rich.table import Table

from pybench.render import DEFAULT_IMAGE
from pybench.settings import SETTINGS, Resolved, resolve_all
from pybench.storage import StoredRun

# settings that only flags and the environment set (bootstrap knows nothing of them)
EXTRA_SETTINGS = [
    ("image", "PYBENCH_IMAGE", DEFAULT_IMAGE, "inference-perf image of the Job"),
    ("hf_token_secret", "HF_TOKEN_SECRET", None, "Secret with a Hugging Face token for the Job (NAME[:KEY])"),
]


def resolved_settings(flags: dict[str, Any]) -> list[tuple[str, Resolved, str | None, str]]:
    """(name, resolved value, environment variable, help) for every setting `bench --target gke` uses."""
    rows = [(name, value, SETTINGS[name].env, SETTINGS[name].help) for name, value in resolve_all(flags).items()]
    for name, env, default, help_text in EXTRA_SETTINGS:
        value = Resolved(os.environ[env], f"env {env}") if os.environ.get(env) else Resolved(default, "default")
        rows.append((name, value, env, help_text))
    return rows


def show_config(flags: dict[str, Any], console: Console, as_json: bool = False) -> None:
    rows = resolved_settings(flags)
    if as_json:
        print(json.dumps({name: {"value": r.value, "source": r.source, "env": env} for name, r, env, _ in rows},
                         indent=2))
        return
    table = Table(title="pybench settings (flag > environment > bootstrap outputs > default)", title_justify="left",
                  header_style="bold")
    for column in ("Setting", "Value", "From", "Environment variable", "Meaning"):
        table.add_column(column)
    for name, r, env, help_text in rows:
        value = "[dim]unset[/dim]" if r.value in (None, "") else str(r.value)
        table.add_row(name, value, r.source if r.value not in (None, "") else "-", env or "-", help_text)
    console.print(table)


def _reports(run: StoredRun) -> str:
    parts = [f"{run.stages_reported} stage{'s' if run.stages_reported != 1 else ''}"] if run.stages_reported else []
    if run.has_summary:
        parts.append("summary")
    return " + ".join(parts) or "none yet"


def _status(run: StoredRun) -> str:
    status = str(run.record.get("status") or "?")
    if status == "running" and run.has_summary:
        return "finished, not collected"
    return status


def show_runs(runs: list[StoredRun], target: Any, console: Console, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps([{"run_id": r.run_id, "status": _status(r), "created": r.created.isoformat()
                           if r.created else None, "files": r.files, "record": r.record} for r in runs], indent=2))
        return
    if not runs:
        console.print(f"No runs in gs://{target.bucket}/runs/ yet.")
        return
    table = Table(title=f"Runs in gs://{target.bucket}/runs/ (newest first)", title_justify="left", header_style="bold")
    for column in ("Run id", "Status", "Scenario", "Accelerator", "Model", "Started", "Reports"):
        table.add_column(column)
    for run in runs:
        record = run.record
        started = record.get("started_at") or (run.created.strftime("%Y-%m-%dT%H:%M:%SZ") if run.created else "-")
        table.add_row(run.run_id, _status(run), record.get("scenario") or "-", record.get("accelerator") or "-",
                      record.get("model") or "-", started, _reports(run))
    console.print(table)
