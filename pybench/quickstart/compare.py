"""Measured vs published: a pybench run beside GKE Inference Quickstart's benchmark for the same model, model server
and accelerator.

GIQ publishes TTFT, NTPOT (request latency / output tokens) and output tokens/s at several request rates. Each
measured stage is matched at its achieved rate: linearly interpolated between the two published rates around it, or
the nearest published rate (always when the rate lies outside the published range). NTPOT is compared with the run's
NTPOT, never with TPOT.
"""

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pybench.errors import NoProfile, QuickstartError
from pybench.quickstart.data import PerfPoint, Profile
from pybench.results import Distribution, RunResult, StageResult

if TYPE_CHECKING:
    from pybench.quickstart.client import Giq

STATS = ("p50", "mean", "p90", "p95", "p99")
MATCHES = ("interpolate", "nearest")
TOLERANCE = 0.10  # within +-10% of the published figure counts as "as published"


@dataclass(frozen=True)
class MetricComparison:
    metric: str  # "ttft_ms", "ntpot_ms", "output_tokens_per_s"
    published: float | None
    measured: float | None
    higher_is_better: bool = False

    @property
    def difference(self) -> float | None:
        if self.published is None or self.measured is None:
            return None
        return self.measured - self.published

    @property
    def relative(self) -> float | None:
        diff = self.difference
        return None if diff is None or not self.published else diff / self.published

    @property
    def verdict(self) -> str:
        rel = self.relative
        if rel is None:
            return "n/a"
        if abs(rel) <= TOLERANCE:
            return "as published"
        return "better" if (rel > 0) == self.higher_is_better else "worse"


@dataclass(frozen=True)
class StageComparison:
    stage: int | None
    rate: float  # the measured stage's achieved request rate (req/s)
    match: str  # how the published figures were read at that rate, e.g. "interpolated 4-8 req/s"
    metrics: tuple[MetricComparison, ...]


@dataclass
class GiqComparison:
    run_id: str
    profile: Profile
    stat: str
    stages: list[StageComparison]
    notes: list[str] = field(default_factory=list)


def published_at(points: tuple[PerfPoint, ...], rate: float, match: str = "interpolate") -> tuple[dict[str, float], str]:
    """The published TTFT, NTPOT and output tokens/s at a request rate, and how they were read."""
    if not points:
        raise NoProfile("The published profile has no performance figures.")
    rates = [p.queries_per_second for p in points]

    def values(p: PerfPoint) -> dict[str, float]:
        return {"ttft_ms": p.ttft_ms, "ntpot_ms": p.ntpot_ms, "output_tokens_per_s": p.output_tokens_per_second}

    i = bisect_left(rates, rate)
    if i < len(rates) and rates[i] == rate:
        return values(points[i]), f"published at {rate:g} req/s"
    if match == "interpolate" and 0 < i < len(rates):
        lo, hi = points[i - 1], points[i]
        t = (rate - lo.queries_per_second) / (hi.queries_per_second - lo.queries_per_second)
        a, b = values(lo), values(hi)
        return {k: a[k] + t * (b[k] - a[k]) for k in a}, \
            f"interpolated {lo.queries_per_second:g}-{hi.queries_per_second:g} req/s"
    nearest = min(points, key=lambda p: abs(p.queries_per_second - rate))
    outside = "" if rates[0] <= rate <= rates[-1] else " (outside the published range)"
    return values(nearest), f"nearest: {nearest.queries_per_second:g} req/s{outside}"


def measured_ms(dist: Distribution, stat: str) -> float | None:
    """The statistic in milliseconds; None when absent or zero (inference-perf writes 0.0 when it counted no tokens)."""
    value = dist.mean if stat == "mean" else dist.p(float(stat.removeprefix("p")))
    return value * 1000.0 if value else None


def compare_stage(stage: StageResult, profile: Profile, stat: str, match: str) -> StageComparison | None:
    rate = stage.achieved_rate if stage.achieved_rate is not None else stage.requested_rate
    if rate is None:
        return None
    published, how = published_at(profile.points, rate, match)
    metrics = (
        MetricComparison("ttft_ms", published["ttft_ms"], measured_ms(stage.ttft, stat)),
        MetricComparison("ntpot_ms", published["ntpot_ms"], measured_ms(stage.ntpot, stat)),
        MetricComparison("output_tokens_per_s", published["output_tokens_per_s"], stage.output_tokens_per_s,
                         higher_is_better=True),
    )
    return StageComparison(stage=stage.stage, rate=rate, match=how, metrics=metrics)


def pick_profile(profiles: list[Profile], accelerator: str, instance_type: str | None,
                 accelerator_count: int | None) -> tuple[Profile, list[str]]:
    """The published profile for the run's accelerator (and instance type or count when known), with notes."""
    on_accel = [p for p in profiles if p.accelerator == accelerator]
    if instance_type:
        on_accel = [p for p in on_accel if p.instance_type == instance_type]
    elif accelerator_count:
        on_accel = [p for p in on_accel if p.accelerator_count == accelerator_count] or on_accel
    if not on_accel:
        have = ", ".join(sorted({f"{p.accelerator} ({p.instance_type})" for p in profiles})) or "none"
        wanted = f"{accelerator} ({instance_type})" if instance_type else accelerator
        model = profiles[0] if profiles else None
        about = f"{model.model} on {model.model_server} " if model else ""
        raise NoProfile(f"GKE Inference Quickstart has no benchmark for {about}with {wanted}. Published: {have}.")
    on_accel.sort(key=lambda p: (p.accelerator_count, p.instance_type))
    chosen, notes = on_accel[0], []
    if len(on_accel) > 1:
        others = ", ".join(p.instance_type for p in on_accel[1:])
        notes.append(f"GIQ also publishes {accelerator} on {others}; compared with {chosen.instance_type} "
                     "(pass --instance-type to choose).")
    return chosen, notes


def compare_run(run: RunResult, profile: Profile, stat: str = "p50", match: str = "interpolate") -> GiqComparison:
    """Every measured stage beside the published figures at its rate."""
    if stat not in STATS:
        raise QuickstartError(f"Unknown statistic '{stat}'; valid: {', '.join(STATS)}.")
    if match not in MATCHES:
        raise QuickstartError(f"Unknown match '{match}'; valid: {', '.join(MATCHES)}.")
    stages = [c for s in run.stages if (c := compare_stage(s, profile, stat, match)) is not None]
    if not stages:
        raise QuickstartError(f"Run {run.run_id} has no stage with a request rate to compare at.")
    rates = [p.queries_per_second for p in profile.points]
    notes = [
        f"Published: {profile.label}, at {', '.join(f'{r:g}' for r in rates)} req/s.",
        (f"Measured latencies are each stage's {stat}; GIQ's figures come from its own workload, so prompt and "
         "output lengths that differ from it move every number."),
    ]
    if all(m.measured is None for s in stages for m in s.metrics if m.metric == "ntpot_ms"):
        notes.append("The run has no NTPOT figures; NTPOT is not compared (TPOT is a different measure).")
    return GiqComparison(run_id=run.run_id, profile=profile, stat=stat, stages=stages, notes=notes)


def run_target(run: RunResult, **overrides: str | None) -> dict[str, str | None]:
    """Model, model server, version, accelerator and instance type of a run: flags first, then run.json."""
    rec = {**(run.record.get("extra") or {}), **run.record}  # run.json fields win over its "extra" map
    target = {
        "model": overrides.get("model") or rec.get("model") or rec.get("model_id"),
        "model_server": overrides.get("model_server") or rec.get("model_server"),
        "model_server_version": overrides.get("model_server_version") or rec.get("model_server_version"),
        "accelerator": overrides.get("accelerator") or rec.get("accelerator"),
        "instance_type": overrides.get("instance_type") or rec.get("instance_type") or rec.get("machine_type"),
    }
    for key, flag in [("model", "--model"), ("model_server", "--model-server"), ("accelerator", "--accelerator")]:
        if not target[key]:
            raise QuickstartError(
                f"run.json of {run.run_id} does not say which {key.replace('_', ' ')} it measured; pass {flag}."
            )
    return target


def compare_with_giq(run: RunResult, giq: "Giq", stat: str = "p50", match: str = "interpolate",
                     **overrides: str | None) -> GiqComparison:
    """Fetch GIQ's benchmark for the run's model, model server and accelerator, and compare."""
    t = run_target(run, **overrides)
    model, server, accelerator = str(t["model"]), str(t["model_server"]), str(t["accelerator"])
    profiles = giq.benchmarks(model, server, model_server_version=t["model_server_version"])
    if not profiles:
        from pybench.quickstart.client import no_profile_message

        version = t["model_server_version"]
        if version:
            known = sorted({p.model_server_version for p in giq.profiles(model=model, model_server=server).profiles})
            raise NoProfile(f"GKE Inference Quickstart has no benchmark for {model} on {server} {version}. "
                            f"Versions with one: {', '.join(known) or 'none'} (pass --model-server-version).")
        raise NoProfile(no_profile_message(model, server, accelerator, [], giq))
    count = run.record.get("accelerator_count") or (run.record.get("extra") or {}).get("accelerator_count")
    profile, notes = pick_profile(profiles, accelerator, t["instance_type"], int(count) if count else None)
    result = compare_run(run, profile, stat, match)
    result.notes[1:1] = notes
    return result


def compare_runs_with_giq(runs: Sequence[str], giq: "Giq", stat: str = "p50", match: str = "interpolate",
                          results_dir: str | Path = "results", **overrides: str | None) -> list[GiqComparison]:
    """Each run (a folder, or a run id in results_dir) beside GIQ's published figures for its model, model server
    and accelerator; overrides (model, model_server, ...) stand in for what run.json does not say."""
    from pybench.reports import load_run, resolve_run

    return [compare_with_giq(load_run(resolve_run(run, results_dir)), giq, stat, match, **overrides) for run in runs]
