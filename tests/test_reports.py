import json

import pytest
from conftest import FIXTURES, write_json
from reportgen import lifecycle, older_lifecycle

from pybench.errors import ReportError, RunNotFound
from pybench.reports import load_run


def make_run(tmp_path, stages, summary=True, prefix="", record=None):
    for i, stage in enumerate(stages):
        write_json(tmp_path / f"{prefix}stage_{i}_lifecycle_metrics.json", stage)
    if summary:
        write_json(tmp_path / f"{prefix}summary_lifecycle_metrics.json", stages[-1])
    if record:
        write_json(tmp_path / "run.json", record)
    return tmp_path


def test_real_inference_perf_reports_parse():
    result = load_run(FIXTURES / "runs" / "mock-0.7")
    assert [s.stage for s in result.stages] == [0, 1]
    s0 = result.stages[0]
    assert (s0.requested_rate, s0.successes, s0.failures) == (5.0, 10, 0)
    assert s0.achieved_rate == pytest.approx(5.118, abs=1e-3)
    assert s0.ttft.empty and s0.e2e.p(99) == pytest.approx(1.00088, abs=1e-4)
    assert result.summary.successes == 30


def test_chosen_numbers_land_in_the_model(tmp_path):
    result = load_run(make_run(tmp_path, [lifecycle(rate=2, ttft=0.05), lifecycle(rate=8, ttft=0.2, failed=3,
                                                                                 labels={"Connection Error": 3})],
                               record={"run_id": "r1", "accelerator": "nvidia-l4"}))
    assert result.run_id == "r1"
    s1 = result.stages[1]
    assert s1.ttft.p(50) == pytest.approx(0.2) and s1.ttft.p(99) == pytest.approx(0.2 * (1 + 0.2 * 49 / 50))
    assert s1.ttft.p(99.9) is not None
    assert s1.failures == 3 and s1.failures_by_label == {"Connection Error": 3}
    assert s1.output_tokens_per_s == 600.0 and s1.requests_per_s == 4.0
    assert s1.prompt_tokens.p(50) == 256


def test_prefixed_report_files(tmp_path):
    result = load_run(make_run(tmp_path, [lifecycle()], prefix="myrun-"))
    assert len(result.stages) == 1 and result.summary is not None


def test_older_version_and_nulls(tmp_path):
    old = older_lifecycle()
    old["successes"]["latency"]["time_to_first_token"] = None
    result = load_run(make_run(tmp_path, [old]))
    s = result.stages[0]
    assert s.requested_rate is None and s.duration_s is None
    assert s.prompt_tokens.p(50) == 256 and s.output_tokens.p(50) == 64
    assert s.ttft.empty


def test_missing_and_malformed(tmp_path):
    with pytest.raises(RunNotFound, match="No run folder at"):
        load_run(tmp_path / "nope")
    with pytest.raises(ReportError, match="No inference-perf reports"):
        load_run(tmp_path)
    (tmp_path / "stage_0_lifecycle_metrics.json").write_text("{not json")
    with pytest.raises(ReportError, match=r"stage_0_lifecycle_metrics.json is not valid JSON"):
        load_run(tmp_path)
    (tmp_path / "stage_0_lifecycle_metrics.json").write_text(json.dumps([1, 2]))
    with pytest.raises(ReportError, match="does not hold a JSON object"):
        load_run(tmp_path)
