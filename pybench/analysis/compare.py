"""Run against run: the same stages side by side with deltas against the first run (the baseline). A difference is
called real only when it is larger than run-to-run noise:

- with per-request samples in both runs: a 95% confidence interval for each run's statistic (distribution-free
  order-statistic interval for a percentile, standard error for a mean), and the difference counts when
  |delta| > 1.96 x sqrt(se_a^2 + se_b^2);
- otherwise (no samples, or throughputs, which have one value per stage): when |delta| exceeds a stated relative
  threshold of the baseline (10% unless told otherwise)."""

import math
from dataclasses import dataclass, field

import numpy as np

from pybench.analysis import per_request
from pybench.analysis.analyze import RunAnalysis
from pybench.analysis.slo import stage_rate, stat_value
from pybench.results import StageResult

Z95 = 1.959964
METRICS: list[tuple[str, str | None, str]] = [
    ("ttft", "p50", "ms"), ("ttft", "p95", "ms"), ("ttft", "p99", "ms"), ("tpot", "p50", "ms"), ("tpot", "p95", "ms"),
    ("itl", "p95", "ms"), ("e2e", "p95", "s"), ("e2e", "p99", "s"), ("output_tokens_per_s", None, "tok/s"),
    ("requests_per_s", None, "req/s"),
]
HIGHER_IS_BETTER = {"output_tokens_per_s", "requests_per_s"}


@dataclass
class Cell:
    value: float | None
    ci: tuple[float, float] | None = None
    se: float | None = None
    n: int = 0


@dataclass
class Row:
    stage_key: str  # "4 req/s" or "stage 2"
    metric: str  # "ttft_p95"
    unit: str
    cells: list[Cell]  # one per run, the baseline first
    deltas: list[float | None]  # run i minus baseline (None for the baseline itself)
    relative: list[float | None]
    real: list[bool | None]
    better: list[bool | None]
    method: list[str]


@dataclass
class Comparison:
    run_ids: list[str]
    rows: list[Row]
    threshold: float
    notes: list[str] = field(default_factory=list)


def percentile_ci(values: np.ndarray, q: float) -> tuple[float, tuple[float, float], float]:
    """The q-th percentile, its distribution-free 95% interval from order statistics, and the implied standard error."""
    x = np.sort(values)
    n = len(x)
    p = q / 100.0
    half = Z95 * math.sqrt(n * p * (1 - p))
    lo, hi = max(math.floor(n * p - half), 0), min(math.ceil(n * p + half), n - 1)
    value = float(np.percentile(x, q))
    return value, (float(x[lo]), float(x[hi])), (float(x[hi]) - float(x[lo])) / (2 * Z95)


def mean_ci(values: np.ndarray) -> tuple[float, tuple[float, float], float]:
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("inf")
    return mean, (mean - Z95 * se, mean + Z95 * se), se


def _samples(analysis: RunAnalysis, stage: int | None, metric: str) -> np.ndarray | None:
    data = analysis.samples
    if data is None or not len(data) or metric not in ("ttft", "tpot", "e2e", "ntpot", "itl"):
        return None
    mask = per_request.stage_mask(data, stage, analysis.warmup_s)
    if metric == "itl":
        values = per_request.itl_of(data, mask).astype(np.float64)
    else:
        values = per_request.latency_columns(data, mask)[metric]
    values = values[np.isfinite(values)]
    return values if len(values) >= 2 else None


def cell(analysis: RunAnalysis, stage: StageResult, metric: str, stat: str | None) -> Cell:
    samples = _samples(analysis, stage.stage, metric) if stat else None
    if samples is not None and stat is not None and (stat == "mean" or stat.startswith("p")):
        value, ci, se = mean_ci(samples) if stat == "mean" else percentile_ci(samples, float(stat[1:]))
        return Cell(value, ci, se, len(samples))
    if stat is None:
        return Cell(getattr(stage, metric))
    return Cell(stat_value(getattr(stage, metric), stat))


def _stage_key(stage: StageResult, by_rate: bool) -> str:
    return f"{stage_rate(stage):g} req/s" if by_rate else f"stage {stage.stage}"


def compare(analyses: list[RunAnalysis], threshold: float = 0.10) -> Comparison:
    runs = [a.run for a in analyses]
    by_rate = all(s.requested_rate for r in runs for s in r.stages) and all(r.stages for r in runs)
    keyed = [{_stage_key(s, by_rate): s for s in r.stages} for r in runs]
    keys = list(dict.fromkeys(k for stages in keyed for k in stages))
    if by_rate:
        keys.sort(key=lambda k: float(k.split()[0]))
    comparison = Comparison([a.run_id for a in analyses], [], threshold)
    for key in keys:
        for metric, stat, unit in METRICS:
            cells = [cell(a, stages[key], metric, stat) if key in stages else Cell(None)
                     for a, stages in zip(analyses, keyed)]
            if all(c.value is None for c in cells):
                continue
            comparison.rows.append(_row(key, metric, stat, unit, cells, threshold))
    missing = [k for k in keys if any(k not in stages for stages in keyed)]
    if missing:
        comparison.notes.append(f"Not in every run: {', '.join(missing)}.")
    if not by_rate:
        comparison.notes.append("Stages matched by number: not every stage has a requested rate.")
    if any(a.samples is None or not len(a.samples) for a in analyses):
        comparison.notes.append(f"Without per-request samples, a difference counts as real above {threshold:.0%} "
                                "of the baseline.")
    return comparison


def _row(key: str, metric: str, stat: str | None, unit: str, cells: list[Cell], threshold: float) -> Row:
    base = cells[0]
    row = Row(key, f"{metric}_{stat}" if stat else metric, unit, cells, [None], [None], [None], [None], ["baseline"])
    for c in cells[1:]:
        if base.value is None or c.value is None:
            for column in (row.deltas, row.relative, row.real, row.better):
                column.append(None)
            row.method.append("-")
            continue
        delta = float(c.value - base.value)
        rel = delta / abs(base.value) if base.value else None
        if base.se is not None and c.se is not None and math.isfinite(base.se) and math.isfinite(c.se):
            real = bool(abs(delta) > Z95 * math.hypot(base.se, c.se))
            method = f"95% CI (n={base.n}/{c.n})"
        else:
            real = bool(rel is not None and abs(rel) > threshold)
            method = f">{threshold:.0%} threshold"
        row.deltas.append(delta)
        row.relative.append(rel)
        row.real.append(real)
        row.better.append(None if not real else (delta > 0) == (metric in HIGHER_IS_BETTER))
        row.method.append(method)
    return row
