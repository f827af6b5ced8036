"""SLO parsing, capacity (measured, interpolated, extrapolated, none), and goodput."""

from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES
from reportgen import dist, lifecycle

from pybench.analysis.analyze import Options, analyze
from pybench.analysis.slo import (
    SloError,
    attainment_from_percentiles,
    capacity,
    goodput,
    parse_slos,
)
from pybench.reports import parse_distribution, parse_lifecycle


def stages(*specs):
    return [parse_lifecycle(lifecycle(**spec), i, Path(f"stage_{i}")) for i, spec in enumerate(specs)]


def test_parse():
    slos = parse_slos("ttft_p95=500ms, tpot_p99=0.05s,e2e_mean=2s,itl_p99.9=100us")
    assert [(s.metric, s.stat, pytest.approx(s.limit_s)) for s in slos] == [
        ("ttft", "p95", 0.5), ("tpot", "p99", 0.05), ("e2e", "mean", 2.0), ("itl", "p99.9", 1e-4)]
    assert slos[0].text == "ttft_p95<=500ms"


@pytest.mark.parametrize("spec, message", [
    ("ttft=500ms", "must look like METRIC_STAT=VALUE"),
    ("speed_p95=5ms", "must look like METRIC_STAT=VALUE"),
    ("ttft_p95=500", "the limit needs a unit"),
    ("ttft_p95", "must look like METRIC_STAT=VALUE"),
    (" , ", "--slo is empty"),
])
def test_parse_errors(spec, message):
    with pytest.raises(SloError, match=message):
        parse_slos(spec)


def test_interpolated_between_the_last_passing_and_first_failing_stage():
    # reportgen's p95 = 1.18 x median: 0.236, 0.472, 0.944 s at 2, 4, 8 req/s
    s = stages({"rate": 2, "ttft": 0.2}, {"rate": 4, "ttft": 0.4}, {"rate": 8, "ttft": 0.8})
    cap = capacity(s, parse_slos("ttft_p95=590ms"))
    assert cap.how == "interpolated"
    # ratio 0.8 at 4 req/s, 1.6 at 8 req/s: reaches 1.0 at 4 + 0.2 / 0.8 * 4 = 5
    assert cap.rate == pytest.approx(5.0)
    assert "between stage 1 (4 req/s, meets) and stage 2 (8 req/s, misses)" in cap.message


def test_the_tightest_slo_sets_the_capacity():
    s = stages({"rate": 2, "ttft": 0.2, "tpot": 0.01}, {"rate": 4, "ttft": 0.4, "tpot": 0.04})
    cap = capacity(s, parse_slos("ttft_p95=1s,tpot_p95=29.5ms"))
    # tpot p95 ratio: 0.0118/0.0295 = 0.4 at 2, 0.0472/0.0295 = 1.6 at 4 -> 1.0 at 3 req/s; ttft never misses
    assert cap.how == "interpolated" and cap.rate == pytest.approx(3.0)


def test_extrapolated_when_every_stage_meets():
    s = stages({"rate": 2, "ttft": 0.1}, {"rate": 4, "ttft": 0.2})
    cap = capacity(s, parse_slos("ttft_p95=472ms"))
    # ratio 0.25 at 2, 0.5 at 4: reaches 1 at 8
    assert cap.how == "extrapolated" and cap.rate == pytest.approx(8.0)
    assert "extrapolating" in cap.message and "Measure higher rates" in cap.message


def test_above_range_when_latency_does_not_rise():
    s = stages({"rate": 2, "ttft": 0.1}, {"rate": 4, "ttft": 0.1})
    cap = capacity(s, parse_slos("ttft_p95=480ms"))
    assert cap.how == "above-range" and cap.rate == 4.0 and "at least 4 req/s" in cap.message


def test_no_stage_meets():
    s = stages({"rate": 2, "ttft": 1.0}, {"rate": 4, "ttft": 2.0})
    cap = capacity(s, parse_slos("ttft_p95=500ms"))
    assert cap.how == "none" and cap.rate is None
    assert "No stage meets every SLO: even the lowest rate, 2 req/s (stage 0), has ttft_p95 = 1180 ms > 500 ms" \
        in cap.message


def test_missing_metric_gives_unknown():
    s = stages({"rate": 2}, {"rate": 4})
    for st in s:
        st.ttft.percentiles.clear()
        st.ttft.mean = None
    cap = capacity(s, parse_slos("ttft_p95=500ms"))
    assert cap.how == "unknown" and cap.rate is None


def test_noisy_stages_are_pointed_out():
    s = stages({"rate": 2, "ttft": 0.1}, {"rate": 4, "ttft": 0.6}, {"rate": 8, "ttft": 0.2})
    cap = capacity(s, parse_slos("ttft_p95=500ms"))
    assert cap.how == "interpolated" and "noisy" in cap.message


def test_goodput_estimated_from_percentiles_is_an_upper_bound():
    stage = stages({"rate": 4, "ttft": 0.5})[0]  # requests_per_s = 4.0, ttft percentiles linear around 0.5
    rps, exact = goodput(stage, parse_slos("ttft_p95=500ms"))
    assert not exact and rps == pytest.approx(4.0 * 0.5)  # half the requests are at or under the median
    assert attainment_from_percentiles(stage.ttft, 10.0) == 1.0
    assert attainment_from_percentiles(stage.ttft, 0.0) == 0.0
    assert attainment_from_percentiles(parse_distribution(dist(1.0)), 1.1) == pytest.approx(0.75)


def test_goodput_exact_from_samples():
    stage = stages({"rate": 4})[0]
    samples = {"ttft": np.array([0.1, 0.2, 0.9, np.nan]), "e2e": np.array([1.0, 1.0, 1.0, 1.0]),
               "tpot": np.array([0.01, 0.09, 0.01, 0.01])}
    rps, exact = goodput(stage, parse_slos("ttft_p95=500ms,tpot_p95=50ms"), samples)
    assert exact and rps == pytest.approx(4.0 * 1 / 4)  # only the first request meets both


def test_real_run_capacity_and_goodput():
    a = analyze(FIXTURES / "runs" / "sim-0.7-stream", Options(slos=parse_slos("ttft_p95=200ms,tpot_p95=70ms")))
    assert a.capacity.how == "interpolated" and 2 < a.capacity.rate < 6
    assert [c.meets for c in a.checks] == [True, False, False, False]
    assert all(c.goodput_exact for c in a.checks)
    assert a.checks[0].goodput_rps == pytest.approx(a.run.stages[0].requests_per_s)
