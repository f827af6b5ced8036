from reportgen import lifecycle

from pybench.reports import parse_lifecycle
from pybench.results import RunResult
from pybench.validity import judge, judge_recorded


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


def test_a_stage_where_everything_failed():
    verdict = judge(run(lifecycle(ok=100), lifecycle(ok=0, failed=3)))
    assert "stage 1: every request failed" in verdict.reasons


def test_a_run_that_reports_fewer_stages_than_planned_stopped_early():
    verdict = judge(run(lifecycle()), planned_stages=3)
    assert verdict.reasons == ["only 1 of 3 planned stages reported (the run stopped early)"]
    assert judge(run(lifecycle(), lifecycle()), planned_stages=2).valid
    # an interrupted run already says its reports cover only what ran
    assert len(judge(run(lifecycle()), interrupted=True, planned_stages=3).reasons) == 1


def recorded(result, **record):
    result.record = record
    return judge_recorded(result)


def test_a_report_judges_like_the_run_did_from_run_json():
    ten_percent_failed = run(lifecycle(ok=90, failed=10))
    assert not recorded(ten_percent_failed, exit_code=0).valid
    assert recorded(ten_percent_failed, exit_code=0, extra={"max_failure_ratio": 0.2}).valid  # bench's flag
    assert recorded(run(lifecycle()), exit_code=2).reasons == ["inference-perf exited with code 2"]
    assert "interrupted" in recorded(run(lifecycle()), status="interrupted", planned_stages=3).reasons[0]
    assert recorded(run(lifecycle()), planned_stages=2).reasons == [
        "only 1 of 2 planned stages reported (the run stopped early)"]
    failed = recorded(run(lifecycle()), status="failed", exit_code=137, reasons=["pod OOMKilled", "x"])
    assert failed.reasons == ["pod OOMKilled", "inference-perf exited with code 137"]
