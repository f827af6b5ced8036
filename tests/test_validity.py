import pytest

from pybench.reports import parse_lifecycle
from pybench.results import RunResult
from pybench.validity import judge
from reportgen import lifecycle


def run(*stages):
    return RunResult(run_dir="x", stages=[parse_lifecycle(s, i, "f") for i, s in enumerate(stages)])


def test_a_healthy_run_is_valid():
    verdict = judge(run(lifecycle(rate=2), lifecycle(rate=4)))
    assert verdict.valid and verdict.reasons == []


def test_no_successes_is_invalid_even_with_exit_code_0():
    verdict = judge(run(lifecycle(ok=0, failed=20, labels={"Connection Error": 20})), exit_code=0)
    assert not verdict.valid
    assert "no request succeeded (20 failed)" in verdict.reasons


def test_failure_ratio_threshold():
    assert judge(run(lifecycle(ok=96, failed=4))).valid
    verdict = judge(run(lifecycle(ok=90, failed=10)))
    assert verdict.reasons == ["10 of 100 requests failed (10% > 5% allowed)"]
    assert judge(run(lifecycle(ok=90, failed=10)), max_failure_ratio=0.2).valid


def test_load_generator_falling_behind():
    assert judge(run(lifecycle(rate=10, achieved=9.2))).valid
    verdict = judge(run(lifecycle(rate=10, achieved=8.5)))
    assert not verdict.valid
    assert "stage 0: the load generator sent 8.50 req/s of the 10 requested" in verdict.reasons[0]


def test_inference_perf_failure_and_missing_reports():
    assert judge(run(lifecycle()), exit_code=1).reasons == ["inference-perf exited with code 1"]
    assert judge(None, exit_code=0).reasons == ["inference-perf wrote no reports"]
    assert "interrupted" in judge(run(lifecycle()), interrupted=True).reasons[0]


@pytest.mark.parametrize("ok", [0])
def test_a_stage_where_everything_failed(ok):
    verdict = judge(run(lifecycle(ok=100), lifecycle(ok=ok, failed=3)))
    assert "stage 1: every request failed" in verdict.reasons
