"""Read a run folder (inference-perf's JSON reports plus pybench's run.json) into the one result model.

Tolerant of nulls and of reports from older inference-perf versions (`prompt_len` instead of `prompt_tokens`,
no `benchmark_time_seconds`, no `load_summary`)."""

import json
import re
from pathlib import Path
from typing import Any

from pybench.errors import ReportError, RunNotFound
from pybench.results import Distribution, RunResult, StageResult

STAGE_FILE = re.compile(r"stage_(\d+)_lifecycle_metrics\.json$")
STAGE_PROMETHEUS_FILE = re.compile(r"stage_(\d+)_prometheus_metrics\.json$")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ReportError(f"Report file {path} is missing.") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ReportError(f"Report file {path} is not valid JSON: {e}.") from None


def parse_distribution(raw: Any) -> Distribution:
    if not isinstance(raw, dict):
        return Distribution()
    percentiles: dict[float, float] = {}
    for key, value in raw.items():
        if not isinstance(value, (int, float)):
            continue
        if key == "median":
            percentiles.setdefault(50.0, float(value))
        elif key.startswith("p"):
            try:
                percentiles[float(key[1:])] = float(value)
            except ValueError:
                continue
    return Distribution(mean=_num(raw.get("mean")), min=_num(raw.get("min")), max=_num(raw.get("max")),
                        percentiles=percentiles)


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _dict(raw: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        raw = raw.get(key) if isinstance(raw, dict) else None
    return raw if isinstance(raw, dict) else {}


def parse_lifecycle(raw: Any, stage: int | None, source: Path) -> StageResult:
    """One lifecycle report (a stage's or the summary) into a StageResult."""
    if not isinstance(raw, dict):
        raise ReportError(f"Report file {source} does not hold a JSON object.")
    load = _dict(raw, "load_summary")
    successes = _dict(raw, "successes")
    failures = _dict(raw, "failures")
    latency = _dict(successes, "latency")
    throughput = _dict(successes, "throughput")
    success_count = int(successes.get("count") or 0)
    failure_count = int(failures.get("count") or 0)
    by_label = {
        str(label): int(info.get("count") or 0) if isinstance(info, dict) else int(info or 0)
        for label, info in _dict(failures, "by_label").items()
    }
    prompt = successes.get("prompt_tokens", successes.get("prompt_len"))
    output = successes.get("output_tokens", successes.get("output_len"))
    return StageResult(
        stage=stage,
        requested_rate=_num(load.get("requested_rate")),
        achieved_rate=_num(load.get("achieved_rate")),
        concurrency=load.get("concurrency") if isinstance(load.get("concurrency"), int) else None,
        duration_s=_num(raw.get("benchmark_time_seconds")) or _num(load.get("send_duration")),
        requests=int(load.get("count") or success_count + failure_count),
        successes=success_count,
        failures=failure_count,
        failures_by_label=by_label,
        ttft=parse_distribution(latency.get("time_to_first_token")),
        tpot=parse_distribution(latency.get("time_per_output_token")),
        ntpot=parse_distribution(latency.get("normalized_time_per_output_token")),
        itl=parse_distribution(latency.get("inter_token_latency")),
        e2e=parse_distribution(latency.get("request_latency")),
        schedule_delay=parse_distribution(load.get("schedule_delay")),
        prompt_tokens=parse_distribution(prompt),
        output_tokens=parse_distribution(output),
        input_tokens_per_s=_num(throughput.get("input_tokens_per_sec")),
        output_tokens_per_s=_num(throughput.get("output_tokens_per_sec")),
        total_tokens_per_s=_num(throughput.get("total_tokens_per_sec")),
        requests_per_s=_num(throughput.get("requests_per_sec")),
        goodput=next((g for g in (successes.get("goodput_metrics"), raw.get("goodput_metrics")) if isinstance(g, dict)),
                     None),  # 0.7 nests it in successes; some versions put it at the top
    )


def report_files(run_dir: Path) -> dict[str, Path]:
    """The report files of a run, keyed by their name without inference-perf's optional prefix."""
    files = {}
    for path in sorted(run_dir.glob("*.json")):
        for name in ("summary_lifecycle_metrics.json", "summary_prometheus_metrics.json"):
            if path.name.endswith(name):
                files[name] = path
        for pattern in (STAGE_FILE, STAGE_PROMETHEUS_FILE):
            if match := pattern.search(path.name):
                files[match.group(0)] = path
    return files


def resolve_run(run: str, results_dir: str | Path = "results") -> Path:
    """A run given as a folder, or as a run id inside results_dir."""
    path = Path(run)
    if not path.is_dir() and (Path(results_dir) / run).is_dir():
        return Path(results_dir) / run
    return path


def load_run(run_dir: str | Path) -> RunResult:
    """Parse a run folder. Raises RunNotFound for a missing folder and ReportError for broken or absent reports."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunNotFound(f"No run folder at {run_dir}.")
    record_path = run_dir / "run.json"
    record = read_json(record_path) if record_path.exists() else {}
    files = report_files(run_dir)
    result = RunResult(run_dir=str(run_dir), record=record if isinstance(record, dict) else {})
    stage_ids = sorted(int(m.group(1)) for name in files if (m := STAGE_FILE.fullmatch(name)))
    for stage in stage_ids:
        path = files[f"stage_{stage}_lifecycle_metrics.json"]
        stage_result = parse_lifecycle(read_json(path), stage, path)
        prometheus = files.get(f"stage_{stage}_prometheus_metrics.json")
        if prometheus:
            stage_result.server = _dict(read_json(prometheus), "metrics") or read_json(prometheus)
        result.stages.append(stage_result)
    summary_path = files.get("summary_lifecycle_metrics.json")
    if summary_path:
        result.summary = parse_lifecycle(read_json(summary_path), None, summary_path)
        prometheus = files.get("summary_prometheus_metrics.json")
        if prometheus:
            result.summary.server = _dict(read_json(prometheus), "metrics") or read_json(prometheus)
    if not result.stages and result.summary is None:
        raise ReportError(f"No inference-perf reports (summary_lifecycle_metrics.json, stage_N_...) in {run_dir}.")
    return result
