"""Service-level objectives: parse `ttft_p95=500ms,tpot_p95=50ms`, check each stage, find the highest rate that
meets every SLO (linear interpolation between the last stage that meets them and the first that does not) and the
goodput of each stage (requests per second that met every SLO)."""

import re
from dataclasses import dataclass, field

import numpy as np

from pybench.errors import PybenchError
from pybench.results import Distribution, StageResult

METRICS = {"ttft": "ttft", "tpot": "tpot", "itl": "itl", "ntpot": "ntpot", "e2e": "e2e", "latency": "e2e",
           "request_latency": "e2e"}
UNITS = {"ms": 1e-3, "s": 1.0, "us": 1e-6}
_SPEC = re.compile(r"^(?P<metric>[a-z0-9_]+?)_(?P<stat>p\d+(?:\.\d+)?|mean|median|max)$")
_VALUE = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|us)$")


class SloError(PybenchError):
    """An --slo specification is malformed."""


@dataclass(frozen=True)
class Slo:
    metric: str  # attribute of StageResult: ttft, tpot, itl, ntpot, e2e
    stat: str  # "p95", "mean", ...
    limit_s: float
    text: str

    def value(self, stage: StageResult) -> float | None:
        return stat_value(getattr(stage, self.metric), self.stat)


def stat_value(dist: Distribution, stat: str) -> float | None:
    if stat == "mean":
        return dist.mean
    if stat == "max":
        return dist.max
    return dist.p(50.0 if stat == "median" else float(stat[1:]))


def parse_slos(spec: str) -> list[Slo]:
    """`ttft_p95=500ms,tpot_p95=50ms,e2e_p99=10s` -> SLOs. Metrics: ttft, tpot, itl, ntpot, e2e; statistics: pNN,
    mean, median, max; units: ms, s, us."""
    slos = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, raw = item.partition("=")
        match, value = _SPEC.match(key.strip().lower()), _VALUE.match(raw.strip().lower())
        if not sep or not match or match.group("metric") not in METRICS:
            raise SloError(f"SLO '{item}' must look like METRIC_STAT=VALUE, e.g. ttft_p95=500ms "
                           f"(metrics: ttft, tpot, itl, ntpot, e2e; statistics: p50..p99.9, mean, median, max).")
        if not value:
            raise SloError(f"SLO '{item}': the limit needs a unit, e.g. 500ms or 2s.")
        limit = float(value.group("num")) * UNITS[value.group("unit")]
        slos.append(Slo(METRICS[match.group("metric")], match.group("stat"), limit, f"{key.strip()}<={raw.strip()}"))
    if not slos:
        raise SloError("--slo is empty; give at least one, e.g. ttft_p95=500ms.")
    return slos


def stage_rate(stage: StageResult) -> float | None:
    """The x axis of capacity and plots: the requested rate, else the achieved rate, else requests/s served."""
    for value in (stage.requested_rate, stage.achieved_rate, stage.requests_per_s):
        if value:
            return float(value)
    return None


@dataclass
class StageCheck:
    stage: StageResult
    rate: float | None
    values: dict[str, float | None]  # slo.text -> measured value (seconds)
    meets: bool | None  # None when a metric is missing
    goodput_rps: float | None = None
    goodput_exact: bool = False


@dataclass
class Capacity:
    rate: float | None
    how: str  # measured | interpolated | extrapolated | above-range | none | unknown
    message: str
    checks: list[StageCheck] = field(default_factory=list)


def check_stage(stage: StageResult, slos: list[Slo]) -> StageCheck:
    values = {slo.text: slo.value(stage) for slo in slos}
    meets = None if any(v is None for v in values.values()) else all(
        values[slo.text] <= slo.limit_s for slo in slos)  # type: ignore[operator]
    return StageCheck(stage=stage, rate=stage_rate(stage), values=values, meets=meets)


def _ratio(check: StageCheck, slo: Slo) -> float:
    return float(check.values[slo.text]) / slo.limit_s  # type: ignore[arg-type]


def _crossing(a: StageCheck, b: StageCheck, slos: list[Slo]) -> float | None:
    """Lowest rate where a linearly interpolated SLO ratio (value / limit) reaches 1, from a's and b's values."""
    crossings = []
    for slo in slos:
        ra, rb = _ratio(a, slo), _ratio(b, slo)
        if rb > ra and a.rate != b.rate:
            crossings.append(a.rate + (1 - ra) * (b.rate - a.rate) / (rb - ra))  # type: ignore[operator]
    return min(crossings) if crossings else None


def capacity(stages: list[StageResult], slos: list[Slo]) -> Capacity:
    checks = sorted((check_stage(s, slos) for s in stages if s.stage is not None), key=lambda c: c.rate or 0.0)
    usable = [c for c in checks if c.meets is not None and c.rate]
    if not usable:
        return Capacity(None, "unknown", "No stage has both a rate and every SLO metric; capacity unknown.", checks)
    first_fail = next((i for i, c in enumerate(usable) if not c.meets), None)
    if first_fail == 0:
        worst = max(slos, key=lambda s: _ratio(usable[0], s))
        return Capacity(None, "none", (
            f"No stage meets every SLO: even the lowest rate, {usable[0].rate:g} req/s (stage {usable[0].stage.stage}), "
            f"has {worst.metric}_{worst.stat} = {_ratio(usable[0], worst) * worst.limit_s * 1000:.0f} ms > "
            f"{worst.limit_s * 1000:g} ms. Test lower rates or a larger deployment."), checks)
    if first_fail is None:
        last = usable[-1]
        rate = _crossing(usable[-2], last, slos) if len(usable) >= 2 else None
        if rate is not None and rate > (last.rate or 0.0):
            return Capacity(rate, "extrapolated", (
                f"Every stage meets the SLOs up to {last.rate:g} req/s; extrapolating the last two stages linearly "
                f"puts the limit near {rate:.2f} req/s. Measure higher rates to confirm."), checks)
        return Capacity(last.rate, "above-range", (
            f"Every stage meets the SLOs; capacity is at least {last.rate:g} req/s (the highest rate tested)."), checks)
    below, above = usable[first_fail - 1], usable[first_fail]
    rate = _crossing(below, above, slos)
    note = ""
    if any(c.meets for c in usable[first_fail + 1:]):
        note = " A higher stage met them again: the measurements are noisy; repeat the run."
    if rate is None or not below.rate <= rate <= above.rate:  # type: ignore[operator]
        return Capacity(below.rate, "measured", (
            f"Highest rate meeting every SLO: {below.rate:g} req/s (stage {below.stage.stage}); stage "
            f"{above.stage.stage} at {above.rate:g} req/s misses them." + note), checks)
    return Capacity(rate, "interpolated", (
        f"Highest rate meeting every SLO: about {rate:.2f} req/s, interpolated between stage {below.stage.stage} "
        f"({below.rate:g} req/s, meets) and stage {above.stage.stage} ({above.rate:g} req/s, misses)." + note), checks)


def attainment_from_percentiles(dist: Distribution, limit: float) -> float | None:
    """Share of requests at or under ``limit``, read off the reported percentiles (an estimate)."""
    points = sorted((v, q) for q, v in dist.percentiles.items())
    if not points:
        return None
    values, qs = zip(*points)
    if dist.max is not None and limit >= dist.max:
        return 1.0
    if dist.min is not None and limit < dist.min:
        return 0.0
    return float(np.interp(limit, values, qs, left=0.0, right=100.0)) / 100.0


def goodput(stage: StageResult, slos: list[Slo], samples: dict[str, np.ndarray] | None = None,
            ) -> tuple[float | None, bool]:
    """Requests/s that met every SLO, and whether it is exact. Exact from per-request samples when given (each
    request checked against every per-request limit); otherwise an upper bound from the percentiles: requests/s x
    the lowest per-metric attainment."""
    if stage.requests_per_s is None:
        return None, False
    if samples is not None and len(samples.get("e2e", ())):
        good = np.ones(len(samples["e2e"]), dtype=bool)
        for slo in slos:
            column = samples.get(slo.metric)
            if column is None or not np.isfinite(column).any():
                return None, False
            good &= np.nan_to_num(column, nan=np.inf) <= slo.limit_s
        return stage.requests_per_s * float(good.mean()), True
    shares = [attainment_from_percentiles(getattr(stage, slo.metric), slo.limit_s) for slo in slos]
    known = [s for s in shares if s is not None]
    if len(known) < len(shares):
        return None, False
    return stage.requests_per_s * min(known), False
