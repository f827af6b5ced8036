"""Each insight is raised when its evidence is there, and not raised when it is not."""

from pathlib import Path

import pytest
from conftest import FIXTURES
from reportgen import dist, lifecycle

from pybench.analysis import synth
from pybench.analysis.analyze import Options, analyze
from pybench.analysis.insights import find_insights
from pybench.analysis.per_request import assign_stages, read_per_request
from pybench.analysis.slo import parse_slos
from pybench.reports import parse_lifecycle
from pybench.results import RunResult


def run_of(*specs, record=None, raw=None):
    reports = raw or [lifecycle(**spec) for spec in specs]
    stages = [parse_lifecycle(r, i, Path(f"stage_{i}")) for i, r in enumerate(reports)]
    return RunResult(run_dir="r", record=record or {"accelerator": "nvidia-l4"}, stages=stages)


def kinds(run, slo=None, samples=None):
    return {i.kind: i for i in find_insights(run, parse_slos(slo) if slo else [], samples)}


HEALTHY = [{"rate": 2, "ttft": 0.05, "tpot": 0.010, "out_tps": 200.0},
           {"rate": 4, "ttft": 0.055, "tpot": 0.011, "out_tps": 400.0},
           {"rate": 8, "ttft": 0.06, "tpot": 0.012, "out_tps": 790.0}]


def test_a_healthy_run_raises_nothing():
    assert find_insights(run_of(*HEALTHY), parse_slos("ttft_p95=500ms,tpot_p95=50ms")) == []


def test_high_ttft_over_the_slo():
    found = kinds(run_of(*HEALTHY), "ttft_p95=60ms")  # p95s: 59, 64.9, 70.8 ms
    insight = found["high_ttft"]
    assert (insight.stage, insight.metric, insight.threshold) == (1, "ttft_p95", 0.06)
    assert insight.value == pytest.approx(0.055 * 1.18)
    assert "2 stage(s) miss it" in insight.evidence and "prefill" in insight.recommendation
    assert "high_ttft" not in kinds(run_of(*HEALTHY), "ttft_p95=80ms")


def test_ttft_rising_faster_than_the_load():
    specs = [{"rate": 2, "ttft": 0.05}, {"rate": 4, "ttft": 0.4}]  # rate x2, TTFT x8
    insight = kinds(run_of(*specs))["ttft_growth"]
    assert insight.stage == 1 and insight.value == pytest.approx(8.0) and insight.threshold == pytest.approx(2.0)
    assert "requests are queueing" in insight.evidence
    # TTFT that grows no faster than the load is no finding; nor is growth among tiny values
    assert "ttft_growth" not in kinds(run_of({"rate": 2, "ttft": 0.1}, {"rate": 4, "ttft": 0.18}))
    assert "ttft_growth" not in kinds(run_of({"rate": 2, "ttft": 0.002}, {"rate": 4, "ttft": 0.02}))


def test_ttft_advice_mentions_a_full_kv_cache():
    run = run_of({"rate": 2, "ttft": 0.05}, {"rate": 4, "ttft": 0.4})
    run.stages[1].server = {"successes": {"kv_cache_usage_percentage": dist(0.95, 0.02), "queue_len": {"mean": 3}}}
    assert "KV cache reached" in kinds(run)["ttft_growth"].recommendation


def test_saturation_knee():
    specs = [{"rate": 2, "tpot": 0.01, "out_tps": 200.0}, {"rate": 4, "tpot": 0.012, "out_tps": 400.0},
             {"rate": 8, "tpot": 0.03, "out_tps": 430.0}]
    insight = kinds(run_of(*specs))["saturation"]
    assert insight.stage == 1 and insight.title == "Saturation knee near 4 req/s"
    assert insight.value == pytest.approx(430 / 400 - 1) and insight.threshold == pytest.approx(0.5)
    assert "more replicas" in insight.recommendation and "per nvidia-l4" in insight.recommendation
    assert "saturation" not in kinds(run_of(*HEALTHY))
    # throughput flat but latency flat too (the client, not the server, is the limit): no knee
    flat = [{"rate": 2, "tpot": 0.01, "out_tps": 200.0}, {"rate": 4, "tpot": 0.01, "out_tps": 210.0}]
    assert "saturation" not in kinds(run_of(*flat))


def test_high_tpot_over_the_slo():
    insight = kinds(run_of(*HEALTHY), "tpot_p95=12.5ms")["high_tpot"]
    assert insight.stage == 1 and insight.metric == "tpot_p95" and insight.threshold == pytest.approx(0.0125)
    assert "high_tpot" not in kinds(run_of(*HEALTHY), "tpot_p95=50ms")


def _samples(tmp_path, early_ttft):
    path = tmp_path / "p.json"
    reqs = [r for r in synth.constant_stages([4, 8], duration=20, gap=2, ttft=0.1)]
    for r in reqs:
        if r.start < 1000 + 3 or 1022 <= r.start < 1022 + 3:
            r.ttft = early_ttft
    synth.write_file(path, reqs, indent=None)
    data = read_per_request(path)
    assign_stages(data, {0: 80, 1: 160})
    return data


def test_latency_spike_at_stage_transitions(tmp_path):
    found = [i for i in find_insights(run_of(*HEALTHY[:2]), [], _samples(tmp_path, 0.8)) if
             i.kind == "transition_spike"]
    assert [i.stage for i in found] == [0, 1]
    assert found[1].value == pytest.approx(0.8) and found[1].metric == "ttft_p95_first_3s"
    assert "HPA" in found[1].recommendation
    assert "transition_spike" not in kinds(run_of(*HEALTHY[:2]), samples=_samples(tmp_path, 0.1))


def test_replica_changes_when_recorded():
    record = {"accelerator": "nvidia-l4", "extra": {"replica_changes": [{"stage": 2, "from": 1, "to": 2}]}}
    insight = kinds(run_of(*HEALTHY, record=record))["replica_change"]
    assert insight.stage == 2 and (insight.threshold, insight.value) == (1, 2)
    assert "replica_change" not in kinds(run_of(*HEALTHY))


@pytest.mark.parametrize("label, meaning", [
    ("429 - Rate Limit", "rate-limiting"), ("Timeout", "outlived the timeout"),
    ("Connection Error", "could not reach the server"), ("503 - Service Unavailable", "no healthy backend"),
    ("400 - Context Window", "exceed the model's context"), ("500 - Internal Server Error", "the server failed"),
])
def test_failures_by_label(label, meaning):
    run = run_of({"rate": 2}, {"rate": 4, "failed": 6, "labels": {label: 6}})
    insight = kinds(run)["failures"]
    assert insight.stage == 1 and insight.value == 6 and insight.severity == "critical"  # 6 of 86 > 5%
    assert meaning in insight.evidence and insight.metric == f"failures[{label}]"


def test_few_failures_are_a_warning_and_none_are_nothing():
    run = run_of({"rate": 2, "ok": 200, "failed": 1, "labels": {"Timeout": 1}})
    assert kinds(run)["failures"].severity == "warning"
    assert "failures" not in kinds(run_of(*HEALTHY))


def test_load_generator_saturation():
    found = kinds(run_of({"rate": 10, "achieved": 7.0}))
    assert found["loadgen_rate"].value == 7.0 and found["loadgen_rate"].threshold == pytest.approx(9.0)
    assert "more workers" in found["loadgen_rate"].recommendation
    late = lifecycle(rate=10)
    late["load_summary"]["schedule_delay"] = dist(0.2)
    insight = kinds(run_of(raw=[late]))["loadgen_delay"]
    assert insight.value == pytest.approx(0.2 * 1.18) and insight.threshold == 0.05
    assert not {"loadgen_rate", "loadgen_delay"} & set(kinds(run_of({"rate": 10, "achieved": 9.5})))


def test_concurrency_stages_are_not_judged_on_rate():
    report = lifecycle(rate=10, achieved=2.0)
    report["load_summary"]["concurrency"] = 8
    assert "loadgen_rate" not in kinds(run_of(raw=[report]))


def test_real_run_insights_carry_evidence():
    a = analyze(FIXTURES / "runs" / "sim-0.7-stream", Options(slos=parse_slos("ttft_p95=200ms,tpot_p95=70ms")))
    found = {i.kind: i for i in a.insights}
    assert set(found) >= {"high_ttft", "high_tpot"}
    for insight in a.insights:
        d = insight.to_dict()
        assert d["evidence"] and d["recommendation"] and d["metric"] and d["stage"] is not None
