"""Run against run: deltas, and the noise rule that decides whether a difference is real."""

import json

import numpy as np
import pytest
from conftest import write_json
from reportgen import lifecycle

from pybench.analysis import synth
from pybench.analysis.analyze import analyze
from pybench.analysis.compare import compare, percentile_ci


def write_run(folder, stages, record=None, per_request=None):
    for i, stage in enumerate(stages):
        write_json(folder / f"stage_{i}_lifecycle_metrics.json", stage)
    write_json(folder / "run.json", record or {"run_id": folder.name, "accelerator": "nvidia-l4"})
    if per_request is not None:
        synth.write_file(folder / "per_request_lifecycle_metrics.json", per_request, indent=None)
    return folder


def row(comparison, stage, metric):
    return next(r for r in comparison.rows if r.stage_key == stage and r.metric == metric)


def test_without_samples_the_threshold_decides(tmp_path):
    a = write_run(tmp_path / "a", [lifecycle(rate=2, ttft=0.100, out_tps=500.0),
                                   lifecycle(rate=4, ttft=0.200, out_tps=900.0)])
    b = write_run(tmp_path / "b", [lifecycle(rate=2, ttft=0.105, out_tps=560.0),
                                   lifecycle(rate=4, ttft=0.300, out_tps=880.0)])
    c = compare([analyze(a), analyze(b)])
    assert c.run_ids == ["a", "b"]
    small = row(c, "2 req/s", "ttft_p95")
    assert small.relative[1] == pytest.approx(0.05) and small.real[1] is False
    assert small.method[1] == ">10% threshold"
    big = row(c, "4 req/s", "ttft_p95")
    assert big.deltas[1] == pytest.approx(0.1 * 1.18) and big.real[1] is True and big.better[1] is False
    tput = row(c, "2 req/s", "output_tokens_per_s")
    assert tput.relative[1] == pytest.approx(0.12) and tput.real[1] and tput.better[1] is True
    assert any("10% of the baseline" in n for n in c.notes)
    assert compare([analyze(a), analyze(b)], threshold=0.5).rows[0].real[1] is False


def _reqs(seed, ttft_scale, n=400):
    rng = np.random.default_rng(seed)
    return [synth.Req(start=1000 + i * 0.05, ttft=float(t), output_tokens=8, chunks=False)
            for i, t in enumerate(rng.lognormal(np.log(0.1 * ttft_scale), 0.3, n))]


def test_with_samples_confidence_intervals_decide(tmp_path):
    stage = [lifecycle(rate=20, ok=400)]
    base = write_run(tmp_path / "base", stage, per_request=_reqs(1, 1.0))
    same = write_run(tmp_path / "same", stage, per_request=_reqs(2, 1.0))  # another run, same server
    slower = write_run(tmp_path / "slower", stage, per_request=_reqs(3, 1.3))
    c = compare([analyze(base), analyze(same), analyze(slower)], threshold=0.01)
    p95 = row(c, "20 req/s", "ttft_p95")
    assert p95.method[1].startswith("95% CI (n=400/400)")
    assert p95.real[1] is False  # differs by more than the 1% threshold, but not more than the noise
    assert abs(p95.relative[1]) > 0.01
    assert p95.real[2] is True and p95.better[2] is False
    lo, hi = p95.cells[0].ci
    assert lo < p95.cells[0].value < hi


def test_percentile_interval_covers_the_true_value():
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(200):
        sample = rng.exponential(1.0, 300)
        _, (lo, hi), se = percentile_ci(sample, 95)
        covered += lo <= np.log(20) <= hi  # true p95 of Exp(1)
        assert se > 0
    assert 0.90 <= covered / 200 <= 0.99


def test_stages_matched_by_rate_and_missing_ones_noted(tmp_path):
    a = write_run(tmp_path / "a", [lifecycle(rate=2), lifecycle(rate=4)])
    b = write_run(tmp_path / "b", [lifecycle(rate=4), lifecycle(rate=8)])
    c = compare([analyze(a), analyze(b)])
    assert [r.stage_key for r in c.rows if r.metric == "ttft_p95"] == ["2 req/s", "4 req/s", "8 req/s"]
    assert row(c, "2 req/s", "ttft_p95").cells[1].value is None
    assert row(c, "4 req/s", "ttft_p95").deltas[1] == pytest.approx(0.0)
    assert "Not in every run: 2 req/s, 8 req/s." in c.notes


def test_comparison_json_shape(tmp_path):
    from pybench.analysis.formats import comparison_json

    a = write_run(tmp_path / "a", [lifecycle(rate=2)])
    b = write_run(tmp_path / "b", [lifecycle(rate=2, ttft=0.5)])
    doc = json.loads(comparison_json(compare([analyze(a), analyze(b)])))
    first = next(r for r in doc["rows"] if r["metric"] == "ttft_p50")
    assert doc["baseline"] == "a" and first["a"] == pytest.approx(0.05) and first["b"] == pytest.approx(0.5)
    assert first["b_real"] is True and first["b_method"] == ">10% threshold"
