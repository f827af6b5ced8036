"""Per-request analysis: stream per_request_lifecycle_metrics.json into compact columns, then recompute exact
percentiles per stage, trim warm-up, and count latency from the scheduled send time where the entries carry it.

inference-perf 0.7.0 writes neither the stage nor the scheduled time into per-request entries. Stages are then
recovered by sorting the requests by send time and cutting them by the per-stage request counts of the stage reports
(stages run one after another), and latency is counted from the actual send time (noted in ``notes``)."""

import itertools
import re
from array import array
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from pybench.analysis.stream import iter_entries
from pybench.results import Distribution, RunResult, StageResult

PER_REQUEST_FILE = "per_request_lifecycle_metrics.json"
PERCENTILES = (0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9)
_HTTP_LABELS = {"429": "Rate Limit", "500": "Internal Server Error", "502": "Bad Gateway",
                "503": "Service Unavailable", "504": "Gateway Timeout"}
_NUMERIC = ("start", "end", "scheduled", "ttft", "tpot", "e2e", "ntpot", "input_tokens", "output_tokens")


def error_label(error: Any) -> str:
    """The short label inference-perf files a failure under (reportgen.base.make_concise_label, simplified)."""
    if not isinstance(error, dict):
        return "unknown"
    kind, msg = str(error.get("error_type") or ""), str(error.get("error_msg") or "")
    if kind.startswith("HTTP Error "):
        code = kind.split()[-1]
        if code in _HTTP_LABELS:
            return f"{code} - {_HTTP_LABELS[code]}"
        return f"{code} - Timeout" if re.search(r"timeout|timed.?out", msg, re.IGNORECASE) else f"{code} - other"
    if re.search(r"timeout|timed.?out", msg, re.IGNORECASE):
        return "Timeout"
    if re.search(r"connection.?refused|connect", msg, re.IGNORECASE):
        return "Connection Error"
    return kind.lower().strip() or "unknown"


def _num(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")


@dataclass
class PerRequestData:
    """Every request of a run as numpy columns (seconds; NaN where unknown), in file order."""

    path: str
    columns: dict[str, np.ndarray]
    ok: np.ndarray
    stage: np.ndarray  # int; -1 until assigned
    itl: np.ndarray  # float32, every inter-token gap of every successful request, request by request
    itl_counts: np.ndarray  # gaps per request
    errors: dict[int, str]  # request index -> failure label
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ok)

    def __getattr__(self, name: str) -> np.ndarray:
        columns = self.__dict__.get("columns", {})
        if name in columns:
            return columns[name]
        raise AttributeError(name)

    @property
    def has_schedule(self) -> bool:
        return bool(len(self) and np.isfinite(self.columns["scheduled"]).any())


def read_per_request(path: str | Path) -> PerRequestData:
    """Stream the file once; keeps ~80 bytes per request plus 4 bytes per inter-token gap."""
    cols = {name: array("d") for name in _NUMERIC}
    ok, stage, itl, itl_counts = array("b"), array("i"), array("f"), array("i")
    errors: dict[int, str] = {}
    for i, entry in enumerate(iter_entries(path)):
        start, end = _num(entry.get("start_time")), _num(entry.get("end_time"))
        info: dict[str, Any] = entry["info"] if isinstance(entry.get("info"), dict) else {}
        response: dict[str, Any] = (info["response_metrics"] if isinstance(info.get("response_metrics"), dict)
                                    else {})
        text: dict[str, Any] = (info.get("request_metrics") or {}).get("text") or {}
        out_tokens = _num(response.get("output_tokens"))
        failed = entry.get("error") is not None
        ttft = tpot = ntpot = float("nan")
        gaps: list[float] = []
        computed: Any = entry.get("computed_metrics")
        if not failed and isinstance(computed, dict):
            ttft, tpot = _num(computed.get("time_to_first_token")), _num(computed.get("time_per_output_token"))
            ntpot = _num(computed.get("normalized_time_per_output_token"))
            gaps = computed.get("inter_token_latencies") or []
        elif not failed:
            times = response.get("output_token_times") or []
            if out_tokens > 0:
                ntpot = (end - start) / out_tokens
            if len(times) > 1:
                ttft = times[0] - start
                if out_tokens > 1:
                    tpot = (times[-1] - times[0]) / (out_tokens - 1)
                gaps = [b - a for a, b in itertools.pairwise(times)]
        if failed:
            errors[i] = error_label(entry.get("error"))
            gaps = []
        for name, value in (("start", start), ("end", end), ("scheduled", _num(entry.get("scheduled_time"))),
                            ("ttft", ttft), ("tpot", tpot), ("e2e", end - start), ("ntpot", ntpot),
                            ("input_tokens", _num(text.get("input_tokens", info.get("input_tokens")))),
                            ("output_tokens", out_tokens)):
            cols[name].append(value)
        ok.append(0 if failed else 1)
        stage_id = entry.get("stage_id")
        stage.append(stage_id if isinstance(stage_id, int) else -1)
        itl.extend(gaps)
        itl_counts.append(len(gaps))
    return PerRequestData(
        path=str(path), columns={k: np.frombuffer(v, dtype=np.float64) for k, v in cols.items()},
        ok=np.frombuffer(ok, dtype=np.int8).astype(bool), stage=np.frombuffer(stage, dtype=np.int32).copy(),
        itl=np.frombuffer(itl, dtype=np.float32), itl_counts=np.frombuffer(itl_counts, dtype=np.int32), errors=errors,
    )


def assign_stages(data: PerRequestData, stage_counts: dict[int, int]) -> None:
    """Give each request its stage when the entries do not carry one: stages run one after another, so the requests
    sorted by send time split by the stage reports' request counts. Falls back to cutting at the widest gaps."""
    if not len(data) or (data.stage >= 0).all() or not stage_counts:
        if not stage_counts and (data.stage < 0).any():
            data.stage[data.stage < 0] = 0
        return
    order = np.argsort(data.start, kind="stable")
    stages = sorted(stage_counts)
    counts = [stage_counts[s] for s in stages]
    if sum(counts) != len(data):
        starts = data.start[order]
        cuts: Any = np.sort(np.argsort(np.diff(starts))[::-1][: len(stages) - 1] + 1) if len(stages) > 1 else []
        counts = np.diff([0, *cuts, len(data)]).tolist()
        data.notes.append(f"{PER_REQUEST_FILE} holds {len(data)} requests but the stage reports count "
                          f"{sum(stage_counts.values())}; stages were told apart by the pauses between them.")
    bounds = np.cumsum([0, *counts])
    for stage, lo, hi in zip(stages, bounds[:-1], bounds[1:]):
        data.stage[order[lo:hi]] = stage


def stage_mask(data: PerRequestData, stage: int | None, warmup_s: float = 0.0) -> np.ndarray:
    """Requests of a stage (every request for None), without those sent in the stage's first ``warmup_s`` seconds."""
    mask = np.ones(len(data), dtype=bool) if stage is None else data.stage == stage
    if warmup_s > 0:
        for s in np.unique(data.stage[mask]):
            in_stage = data.stage == s
            first = np.nanmin(data.start[in_stage])
            mask &= ~(in_stage & (data.start < first + warmup_s))
    return mask


def itl_of(data: PerRequestData, mask: np.ndarray) -> np.ndarray:
    if not len(data.itl):
        return data.itl
    owner_mask = np.repeat(mask, data.itl_counts)
    return data.itl[owner_mask]


def request_itl_means(data: PerRequestData) -> np.ndarray:
    """Mean inter-token gap of each request (NaN for requests without gaps)."""
    sums = np.zeros(len(data))
    has = data.itl_counts > 0
    if has.any():
        offsets = np.concatenate(([0], np.cumsum(data.itl_counts)[:-1]))
        sums[has] = np.add.reduceat(data.itl, offsets[has], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(has, sums / np.maximum(data.itl_counts, 1), np.nan)


def distribution(values: np.ndarray) -> Distribution:
    values = values[np.isfinite(values)]
    if not len(values):
        return Distribution()
    qs = np.percentile(values, PERCENTILES)
    return Distribution(mean=float(values.mean(dtype=np.float64)), min=float(values.min()), max=float(values.max()),
                        percentiles={float(q): float(v) for q, v in zip(PERCENTILES, qs)})


def latency_columns(data: PerRequestData, mask: np.ndarray) -> dict[str, np.ndarray]:
    """TTFT and end-to-end latency of the selected successful requests, counted from the scheduled send time when
    the entries carry it (so a load generator that fell behind cannot hide queueing), else from the actual send."""
    sel = mask & data.ok
    delay = data.start[sel] - data.scheduled[sel]
    delay = np.where(np.isfinite(delay), np.maximum(delay, 0.0), 0.0)
    return {"ttft": data.ttft[sel] + delay, "e2e": data.e2e[sel] + delay, "tpot": data.tpot[sel],
            "ntpot": data.ntpot[sel]}


def stage_from_samples(data: PerRequestData, base: StageResult, warmup_s: float = 0.0) -> StageResult:
    """A copy of ``base`` whose distributions, counts and throughputs are recomputed from the samples."""
    mask = stage_mask(data, base.stage, warmup_s)
    if not mask.any():
        return replace(base)
    sel = mask & data.ok
    lat = latency_columns(data, mask)
    span = float(np.nanmax(data.end[mask]) - np.nanmin(data.start[mask])) if mask.any() else 0.0
    labels: dict[str, int] = {}
    for index in np.flatnonzero(mask & ~data.ok):
        labels[data.errors.get(int(index), "unknown")] = labels.get(data.errors.get(int(index), "unknown"), 0) + 1
    inputs, outputs = np.nansum(data.input_tokens[sel]), np.nansum(data.output_tokens[sel])
    result = replace(base)
    result.requests, result.successes = int(mask.sum()), int(sel.sum())
    result.failures, result.failures_by_label = int((mask & ~data.ok).sum()), labels
    result.ttft, result.tpot = distribution(lat["ttft"]), distribution(lat["tpot"])
    result.ntpot, result.e2e = distribution(lat["ntpot"]), distribution(lat["e2e"])
    result.itl = distribution(itl_of(data, mask))
    result.prompt_tokens = distribution(data.input_tokens[sel])
    result.output_tokens = distribution(data.output_tokens[sel])
    if np.isfinite(data.scheduled[mask]).any():
        result.schedule_delay = distribution(data.start[mask] - data.scheduled[mask])
    if span > 0:
        result.input_tokens_per_s, result.output_tokens_per_s = inputs / span, outputs / span
        result.total_tokens_per_s, result.requests_per_s = (inputs + outputs) / span, result.successes / span
        result.duration_s = span
    return result


@dataclass
class Transition:
    """Latency right after a stage started against the rest of that stage."""

    stage: int
    window_s: float
    early_p95: float | None
    steady_p95: float | None
    early_n: int
    steady_n: int


def transitions(data: PerRequestData, metric: str = "ttft", window_s: float | None = None) -> list[Transition]:
    out = []
    for stage in sorted(int(s) for s in np.unique(data.stage) if s >= 0):
        mask = (data.stage == stage) & data.ok
        if not mask.any():
            continue
        first, last = float(np.nanmin(data.start[mask])), float(np.nanmax(data.start[mask]))
        window = window_s if window_s is not None else min(max((last - first) * 0.15, 1.0), 30.0)
        values = latency_columns(data, mask)[metric]
        early = data.start[mask] < first + window
        early_v, steady_v = values[early & np.isfinite(values)], values[~early & np.isfinite(values)]
        out.append(Transition(
            stage=stage, window_s=window,
            early_p95=float(np.percentile(early_v, 95)) if len(early_v) else None,
            steady_p95=float(np.percentile(steady_v, 95)) if len(steady_v) else None,
            early_n=len(early_v), steady_n=len(steady_v),
        ))
    return out


def find_per_request_file(run_dir: str | Path) -> Path | None:
    matches = sorted(Path(run_dir).glob(f"*{PER_REQUEST_FILE}"))
    return matches[0] if matches else None


def load_samples(run: RunResult) -> PerRequestData | None:
    """The run's per-request data with stages assigned, or None when the run has no per-request file."""
    path = find_per_request_file(run.run_dir)
    if path is None:
        return None
    data = read_per_request(path)
    assign_stages(data, {s.stage: s.requests for s in run.stages if s.stage is not None})
    if len(data) and not data.has_schedule:
        data.notes.append("per-request entries carry no scheduled send time (inference-perf 0.7.0 does not write "
                          "it): latency is counted from the actual send; see the schedule delay for client lag.")
    return data


def apply_samples(run: RunResult, data: PerRequestData, warmup_s: float = 0.0) -> RunResult:
    """A copy of the run whose stages and summary are recomputed exactly from the per-request samples."""
    stages = [stage_from_samples(data, s, warmup_s) for s in run.stages]
    summary = None
    if run.summary is not None:
        summary = stage_from_samples(data, run.summary, warmup_s)
    return RunResult(run_dir=run.run_dir, record=run.record, stages=stages, summary=summary)
