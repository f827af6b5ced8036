"""Streaming per-request analysis: exact percentiles, stage recovery, warm-up trimming, schedule-based latency,
bounded memory, and clear errors for broken files."""

import tracemalloc

import numpy as np
import pytest
from conftest import FIXTURES

from pybench.analysis import per_request, stream, synth
from pybench.analysis.per_request import (
    apply_samples,
    assign_stages,
    load_samples,
    read_per_request,
    stage_from_samples,
    stage_mask,
)
from pybench.errors import ReportError
from pybench.reports import load_run
from pybench.results import StageResult

REAL = FIXTURES / "runs" / "sim-0.7-stream"


def test_real_file_gives_the_stage_reports_percentiles_exactly():
    run = load_run(REAL)
    data = load_samples(run)
    assert len(data) == 80 and data.ok.all()
    assert [int((data.stage == s).sum()) for s in range(3)] == [8, 24, 48]
    exact = apply_samples(run, data)
    for reported, recomputed in zip([*run.stages, run.summary], [*exact.stages, exact.summary]):
        for metric in ("ttft", "tpot", "e2e", "ntpot"):
            for q in (50, 90, 95, 99, 99.9):
                assert getattr(recomputed, metric).p(q) == pytest.approx(getattr(reported, metric).p(q), abs=1e-12)
        assert recomputed.itl.p(99) == pytest.approx(reported.itl.p(99), abs=1e-6)  # gaps kept as float32
        assert recomputed.output_tokens_per_s == pytest.approx(reported.output_tokens_per_s)
        assert recomputed.requests_per_s == pytest.approx(reported.requests_per_s)
    assert any("no scheduled send time" in n for n in data.notes)


def test_entries_spanning_blocks(monkeypatch, tmp_path):
    path = tmp_path / "per_request_lifecycle_metrics.json"
    synth.write_file(path, (synth.Req(start=i * 0.1, output_tokens=20) for i in range(30)))
    monkeypatch.setattr(stream, "BLOCK_CHARS", 777)  # much smaller than one entry
    data = read_per_request(path)
    assert len(data) == 30 and data.ttft[0] == pytest.approx(0.1)
    assert data.tpot[5] == pytest.approx(0.02) and len(data.itl) == 30 * 19


def test_compact_json_and_failures(tmp_path):
    path = tmp_path / "per_request_lifecycle_metrics.json"
    reqs = [synth.Req(start=0.0), synth.Req(start=0.5, error=("HTTP Error 429", "slow down")),
            synth.Req(start=1.0, error=("ClientConnectorError", "Cannot connect to host")),
            synth.Req(start=1.5, error=("TimeoutError", "request timed out"))]
    synth.write_file(path, reqs, indent=None)
    data = read_per_request(path)
    assert data.ok.tolist() == [True, False, False, False]
    assert sorted(data.errors.values()) == ["429 - Rate Limit", "Connection Error", "Timeout"]
    assign_stages(data, {})
    stage = stage_from_samples(data, StageResult(stage=0))
    assert stage.failures == 3 and stage.failures_by_label["429 - Rate Limit"] == 1


def test_streaming_memory_stays_bounded(monkeypatch, tmp_path):
    """Memory holds a few blocks plus compact columns, whatever the file size."""
    monkeypatch.setattr(stream, "BLOCK_CHARS", 1 << 18)
    path = tmp_path / "per_request_lifecycle_metrics.json"
    synth.write_file(path, (synth.Req(start=i * 0.01, output_tokens=64) for i in range(1500)))
    size = path.stat().st_size
    assert size > 25_000_000
    tracemalloc.start()
    data = read_per_request(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(data) == 1500
    assert peak < 4_000_000, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_stages_from_counts_and_from_pauses(tmp_path):
    path = tmp_path / "p.json"
    synth.write_file(path, synth.constant_stages([2, 4], duration=5, gap=3), indent=None)
    data = read_per_request(path)
    assign_stages(data, {0: 10, 1: 20})
    assert (data.stage[:10] == 0).all() and (data.stage[10:] == 1).all()
    data = read_per_request(path)
    assign_stages(data, {0: 12, 1: 20})  # counts that do not add up: cut at the pause instead
    assert (data.stage[:10] == 0).all() and (data.stage[10:] == 1).all()
    assert "pauses" in data.notes[0]


def test_warmup_trimming(tmp_path):
    path = tmp_path / "p.json"
    reqs = [synth.Req(start=i * 0.2, ttft=1.0 if i < 10 else 0.1) for i in range(50)]  # slow first 2 s
    synth.write_file(path, reqs, indent=None)
    data = read_per_request(path)
    assign_stages(data, {0: 50})
    assert stage_mask(data, 0, warmup_s=2.0).sum() == 40
    base = StageResult(stage=0, requested_rate=5.0)
    assert stage_from_samples(data, base).ttft.p(99) == pytest.approx(1.0)
    trimmed = stage_from_samples(data, base, warmup_s=2.0)
    assert trimmed.ttft.p(99) == pytest.approx(0.1) and trimmed.requests == 40


def test_latency_from_the_scheduled_send_time(tmp_path):
    path = tmp_path / "p.json"
    # the client fell 0.5 s behind on every request: the server saw 0.1 s TTFT, the user waited 0.6 s
    reqs = [synth.Req(start=i + 0.5, scheduled=float(i), ttft=0.1) for i in range(20)]
    synth.write_file(path, reqs, indent=None)
    data = read_per_request(path)
    assign_stages(data, {0: 20})
    assert data.has_schedule
    stage = stage_from_samples(data, StageResult(stage=0))
    assert stage.ttft.p(50) == pytest.approx(0.6)
    assert stage.schedule_delay.p(50) == pytest.approx(0.5)
    assert stage.e2e.p(50) == pytest.approx(0.5 + reqs[0].end - reqs[0].start)


def test_request_itl_means(tmp_path):
    path = tmp_path / "p.json"
    synth.write_file(path, [synth.Req(start=0, tpot=0.01), synth.Req(start=1, error=("x", "y")),
                            synth.Req(start=2, tpot=0.03)], indent=None)
    means = per_request.request_itl_means(read_per_request(path))
    assert means[0] == pytest.approx(0.01, rel=1e-4) and np.isnan(means[1]) and means[2] == pytest.approx(0.03)


@pytest.mark.parametrize("text, message", [
    ("", "is not a JSON array"),
    ('{"a": 1}', "is not a JSON array"),
    ('[{"start_time": 1, "end_time": 2}, {"start_time": ', "is not valid JSON near character"),
    ('[{"start_time": 1, "end_time": 2}', "ends before its closing ']'"),
    ('[{"start_time": 1}, 42]', "entry 1 is not a JSON object"),
    ('[{"start_time": 1}, {oops}, {"start_time": 2}]', "is not valid JSON near character 21 (entry 1)"),
])
def test_broken_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "per_request_lifecycle_metrics.json"
    path.write_text(text)
    with pytest.raises(ReportError, match="Per-request file .*per_request_lifecycle_metrics.json") as err:
        read_per_request(path)
    assert message in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ReportError, match=f"Per-request file {tmp_path}/nope.json is missing."):
        read_per_request(tmp_path / "nope.json")
