"""One entry point for the `report` command: load a run, recompute it from per-request samples when it has them,
and attach the verdict, insights, SLO capacity and goodput, and cost. Every output format is a view of RunAnalysis."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pybench.analysis import per_request
from pybench.analysis.cost import PriceError, RunCost, load_prices, run_cost
from pybench.analysis.insights import Insight, Thresholds, find_insights
from pybench.analysis.per_request import PerRequestData
from pybench.analysis.slo import Capacity, Slo, StageCheck, capacity, check_stage, goodput
from pybench.reports import load_run
from pybench.results import RunResult
from pybench.validity import Verdict, judge_recorded


@dataclass
class Options:
    slos: list[Slo] = field(default_factory=list)
    warmup_s: float = 0.0
    prices: str | None = None  # user price file laid over the packaged table
    accelerators_count: int | None = None
    use_per_request: bool = True
    thresholds: Thresholds = field(default_factory=Thresholds)


@dataclass
class RunAnalysis:
    run: RunResult  # recomputed from samples when the run has them
    reported: RunResult  # as inference-perf's stage reports say
    verdict: Verdict
    samples: PerRequestData | None = None
    insights: list[Insight] = field(default_factory=list)
    capacity: Capacity | None = None
    checks: list[StageCheck] = field(default_factory=list)
    cost: RunCost | None = None
    notes: list[str] = field(default_factory=list)
    slos: list[Slo] = field(default_factory=list)
    warmup_s: float = 0.0

    @property
    def run_id(self) -> str:
        return self.run.run_id


def stage_samples(data: PerRequestData, stage: int | None, warmup_s: float) -> dict[str, np.ndarray]:
    mask = per_request.stage_mask(data, stage, warmup_s)
    columns = per_request.latency_columns(data, mask)
    columns["itl"] = per_request.request_itl_means(data)[mask & data.ok]
    return columns


def analyze(run_dir: str | Path, options: Options | None = None) -> RunAnalysis:
    options = options or Options()
    reported = load_run(run_dir)
    record = reported.record
    verdict = judge_recorded(reported)
    analysis = RunAnalysis(run=reported, reported=reported, verdict=verdict, slos=options.slos,
                           warmup_s=options.warmup_s)
    if options.use_per_request:
        analysis.samples = per_request.load_samples(reported)
    if analysis.samples is not None and len(analysis.samples):
        analysis.run = per_request.apply_samples(reported, analysis.samples, options.warmup_s)
        analysis.notes.append(f"Percentiles recomputed exactly from {len(analysis.samples)} per-request samples"
                              + (f", first {options.warmup_s:g} s of each stage left out." if options.warmup_s
                                 else "."))
        analysis.notes.extend(analysis.samples.notes)
    elif options.warmup_s:
        analysis.notes.append("--warmup needs per_request_lifecycle_metrics.json (report.request_lifecycle."
                              "per_request: true); figures are the stage reports' as written.")
    run = analysis.run
    if options.slos:
        analysis.capacity = capacity(run.stages or ([run.summary] if run.summary else []), options.slos)
        analysis.checks = analysis.capacity.checks
        for check in analysis.checks:
            samples = (stage_samples(analysis.samples, check.stage.stage, options.warmup_s)
                       if analysis.samples is not None and len(analysis.samples) else None)
            check.goodput_rps, check.goodput_exact = goodput(check.stage, options.slos, samples)
        if run.summary is not None:
            total = check_stage(run.summary, options.slos)
            total.goodput_rps, total.goodput_exact = goodput(run.summary, options.slos, (
                stage_samples(analysis.samples, None, options.warmup_s)
                if analysis.samples is not None and len(analysis.samples) else None))
            analysis.checks.append(total)
    try:
        analysis.cost = run_cost(run, load_prices(options.prices), count=options.accelerators_count)
    except PriceError as e:
        if options.prices and "Price file" in str(e):
            raise
        analysis.notes.append(f"No cost: {e}")
    if analysis.cost is not None and (record.get("extra") or {}).get("simulator"):
        analysis.notes.append("This run served from pybench's simulator: its cost figures price the simulated "
                              "accelerator, not real hardware.")
    analysis.insights = find_insights(run, options.slos, analysis.samples, options.thresholds)
    return analysis
