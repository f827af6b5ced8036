"""Measured vs published: interpolation, matching, like-with-like metrics, profile choice. RunResults built directly."""

import pytest

from pybench.errors import NoProfile, QuickstartError
from pybench.quickstart.compare import (
    MetricComparison,
    compare_run,
    pick_profile,
    published_at,
    run_target,
)
from pybench.quickstart.data import PerfPoint, Profile
from pybench.results import Distribution, RunResult, StageResult

POINTS = (
    PerfPoint(queries_per_second=1, output_tokens_per_second=100, ttft_ms=100, ntpot_ms=20),
    PerfPoint(queries_per_second=2, output_tokens_per_second=200, ttft_ms=120, ntpot_ms=30),
    PerfPoint(queries_per_second=4, output_tokens_per_second=360, ttft_ms=200, ntpot_ms=50),
)


def profile(accelerator="nvidia-l4", instance="g2-standard-24", count=2, points=POINTS) -> Profile:
    return Profile("m/model", "vllm", "v0.8.5", accelerator, instance, count, "", points)


def stage(n, achieved, ttft_s, ntpot_s, tps, tpot_s=0.001, requested=None) -> StageResult:
    return StageResult(
        stage=n, requested_rate=requested if requested is not None else achieved, achieved_rate=achieved,
        ttft=Distribution(mean=ttft_s * 1.1, percentiles={50.0: ttft_s, 90.0: ttft_s * 2}),
        ntpot=Distribution(percentiles={50.0: ntpot_s}) if ntpot_s is not None else Distribution(),
        tpot=Distribution(percentiles={50.0: tpot_s}),
        output_tokens_per_s=tps,
    )


def run(*stages, **record) -> RunResult:
    return RunResult(run_dir="/r/run-1", record={"run_id": "run-1", **record}, stages=list(stages))


def test_interpolates_between_the_published_rates_around_the_stage():
    values, how = published_at(POINTS, 3.0)
    assert values == {"ttft_ms": 160, "ntpot_ms": 40, "output_tokens_per_s": 280}
    assert how == "interpolated 2-4 req/s"


def test_exact_rate_uses_the_published_point():
    assert published_at(POINTS, 2.0) == ({"ttft_ms": 120, "ntpot_ms": 30, "output_tokens_per_s": 200},
                                         "published at 2 req/s")


def test_nearest_when_asked_and_outside_the_published_range():
    assert published_at(POINTS, 2.9, "nearest")[1] == "nearest: 2 req/s"
    values, how = published_at(POINTS, 9.0)
    assert values["ttft_ms"] == 200 and how == "nearest: 4 req/s (outside the published range)"
    assert published_at(POINTS, 0.5)[1] == "nearest: 1 req/s (outside the published range)"


def test_compare_run_sets_ntpot_beside_ntpot_not_tpot():
    result = compare_run(run(stage(0, 3.0, 0.170, 0.050, 252.0, tpot_s=0.009)), profile())
    ttft, ntpot, tps = result.stages[0].metrics
    assert (ttft.published, ttft.measured) == (160, pytest.approx(170))
    assert ttft.difference == pytest.approx(10) and ttft.relative == pytest.approx(0.0625)
    assert ttft.verdict == "as published"
    assert (ntpot.published, ntpot.measured) == (40, pytest.approx(50))  # the run's NTPOT, not its 9 ms TPOT
    assert ntpot.verdict == "worse"
    assert (tps.published, tps.measured, tps.verdict) == (280, 252.0, "as published")
    assert result.stages[0].match == "interpolated 2-4 req/s"


def test_achieved_rate_is_used_not_the_requested_one():
    result = compare_run(run(stage(0, achieved=2.0, requested=4.0, ttft_s=0.1, ntpot_s=0.02, tps=150)), profile())
    assert result.stages[0].rate == 2.0
    assert result.stages[0].metrics[0].published == 120


def test_statistic_choice():
    s = stage(0, 2.0, 0.1, 0.02, 150)
    assert compare_run(run(s), profile(), stat="mean").stages[0].metrics[0].measured == pytest.approx(110)
    assert compare_run(run(s), profile(), stat="p90").stages[0].metrics[0].measured == pytest.approx(200)
    # p90 NTPOT is not in the distribution: shown as missing rather than replaced by another statistic
    assert compare_run(run(s), profile(), stat="p90").stages[0].metrics[1].measured is None


def test_verdicts_respect_the_direction_of_each_metric():
    assert MetricComparison("output_tokens_per_s", 100, 150, higher_is_better=True).verdict == "better"
    assert MetricComparison("output_tokens_per_s", 100, 50, higher_is_better=True).verdict == "worse"
    assert MetricComparison("ttft_ms", 100, 50).verdict == "better"
    assert MetricComparison("ttft_ms", 100, None).verdict == "n/a"


def test_missing_ntpot_is_said_not_replaced():
    result = compare_run(run(stage(0, 2.0, 0.1, None, 150)), profile())
    assert result.stages[0].metrics[1].measured is None
    assert "The run has no NTPOT figures; NTPOT is not compared (TPOT is a different measure)." in result.notes


def test_a_run_without_rates_cannot_be_compared():
    bare = RunResult(run_dir="/r/x", record={"run_id": "x"}, stages=[StageResult(stage=0)])
    with pytest.raises(QuickstartError, match="Run x has no stage with a request rate to compare at."):
        compare_run(bare, profile())


def test_pick_profile_by_instance_type_count_or_smallest():
    small, big = profile(instance="g2-standard-24", count=2), profile(instance="g2-standard-48", count=4)
    other = profile(accelerator="nvidia-h100-80gb", instance="a3-highgpu-1g", count=1)
    assert pick_profile([big, small, other], "nvidia-l4", "g2-standard-48", None) == (big, [])
    assert pick_profile([big, small, other], "nvidia-l4", None, 4) == (big, [])
    chosen, notes = pick_profile([big, small, other], "nvidia-l4", None, None)
    assert chosen == small
    assert notes == [("GIQ also publishes nvidia-l4 on g2-standard-48; compared with g2-standard-24 "
                     "(pass --instance-type to choose).")]


def test_pick_profile_without_the_accelerator_lists_what_is_published():
    with pytest.raises(NoProfile) as e:
        pick_profile([profile(), profile(accelerator="nvidia-h100-80gb", instance="a3-highgpu-1g")],
                     "nvidia-a100-80gb", None, None)
    assert str(e.value) == ("GKE Inference Quickstart has no benchmark for m/model on vllm with nvidia-a100-80gb. "
                            "Published: nvidia-h100-80gb (a3-highgpu-1g), nvidia-l4 (g2-standard-24).")


def test_run_target_reads_run_json_and_its_extra_map_and_flags_win():
    r = run(model="m/model", accelerator="nvidia-l4", extra={"model_server": "vllm", "instance_type": "g2-standard-24"})
    assert run_target(r) == {"model": "m/model", "model_server": "vllm", "model_server_version": None,
                             "accelerator": "nvidia-l4", "instance_type": "g2-standard-24"}
    assert run_target(r, model_server="tgi")["model_server"] == "tgi"


def test_run_target_asks_for_the_flag_it_needs():
    with pytest.raises(QuickstartError) as e:
        run_target(run(model="m/model", accelerator="nvidia-l4"))
    assert str(e.value) == "run.json of run-1 does not say which model server it measured; pass --model-server."


def test_a_zero_latency_counts_as_not_measured():
    result = compare_run(run(stage(0, 2.0, 0.1, 0.0, 150)), profile())
    assert result.stages[0].metrics[1].measured is None
    assert result.stages[0].metrics[1].verdict == "n/a"
