"""Profiles: derived from chip and model specifications, calibrated against public figures whose errors are recorded
and recomputed here, with overrides checked."""

import pytest

from pybench.accelerators import CATALOG
from pybench.errors import OverrideError, UnknownAccelerator
from pybench.simulator import calibration, hardware
from pybench.simulator.engine import Arrival, simulate
from pybench.simulator.profiles import PROFILES, get_profile, parse_assignments


def test_every_catalog_accelerator_has_a_profile():
    assert set(PROFILES) == set(CATALOG)
    for name, profile in PROFILES.items():
        assert profile.model_profile == "llama-3.1-8b" and profile.num_gpu_blocks * 16 >= profile.max_model_len
        assert profile.tensor_parallel_size in hardware.tp_sizes(name)


def test_unknown_accelerator_lists_valid_names():
    with pytest.raises(UnknownAccelerator, match="valid: nvidia-l4, .*tpu-v6e-slice"):
        get_profile("nvidia-k80")


def test_the_profiles_follow_the_hardware():
    def tpot(name, **kw):
        seqs = simulate(get_profile(name, **kw), [Arrival(i * 0.01, 512, 128) for i in range(64)])
        return sum(s.tpot for s in seqs) / len(seqs)

    l4, a100, h100, h200 = (tpot(n) for n in ("nvidia-l4", "nvidia-a100-80gb", "nvidia-h100-80gb",
                                              "nvidia-h200-141gb"))
    assert l4 > 4 * a100 and a100 > h100 > h200
    assert PROFILES["nvidia-h200-141gb"].num_gpu_blocks > 1.9 * PROFILES["nvidia-h100-80gb"].num_gpu_blocks
    assert PROFILES["nvidia-l4"].num_gpu_blocks < PROFILES["nvidia-tesla-a100"].num_gpu_blocks
    assert PROFILES["tpu-v5-lite-podslice"].tensor_parallel_size == 4  # 16 GB chips: one cannot hold 8B weights
    assert tpot("nvidia-h100-80gb", model_profile="llama-3.1-70b") > 1.5 * h100  # 9x the weights on 4x the chips


def test_the_70b_model_takes_several_chips_or_does_not_fit():
    assert get_profile("nvidia-h100-80gb", model_profile="llama-3.1-70b").tensor_parallel_size == 4
    assert get_profile("nvidia-l4", model_profile="llama-3.1-70b").tensor_parallel_size == 8
    with pytest.raises(OverrideError, match="does not fit on one tpu-v5-lite-podslice host"):
        get_profile("tpu-v5-lite-podslice", model_profile="llama-3.1-70b")
    with pytest.raises(OverrideError, match="No simulator model profile 'gpt-5'; valid: llama-3.1-8b"):
        get_profile("nvidia-l4", model_profile="gpt-5")


def test_tensor_parallel_size_rederives_the_hardware_terms():
    one, two = get_profile("nvidia-h100-80gb"), get_profile("nvidia-h100-80gb", {"tensor_parallel_size": 2})
    assert two.tensor_parallel_size == 2 and two.decode_base_ms < one.decode_base_ms
    assert two.num_gpu_blocks > 2 * one.num_gpu_blocks
    with pytest.raises(OverrideError, match="must be one of 1, 4, 8 on tpu-v6e-slice, not 2"):
        get_profile("tpu-v6e-slice", {"tensor_parallel_size": 2})


def test_overrides_are_typed_and_checked():
    profile = get_profile("nvidia-l4", {"ttft_ms": "200", "max_num_seqs": "8", "enable_prefix_caching": "off"})
    assert profile.ttft_ms == 200.0 and profile.max_num_seqs == 8 and isinstance(profile.max_num_seqs, int)
    assert profile.enable_prefix_caching is False
    with pytest.raises(OverrideError, match="Unknown simulator parameter 'speed'; valid: ttft_ms"):
        get_profile("nvidia-l4", {"speed": 1})
    with pytest.raises(OverrideError, match="max_num_seqs needs an integer, not 'many'"):
        get_profile("nvidia-l4", {"max_num_seqs": "many"})
    with pytest.raises(OverrideError, match="needs an integer, not '2.5'"):
        get_profile("nvidia-l4", {"max_num_seqs": 2.5})
    with pytest.raises(OverrideError, match="enable_prefix_caching needs true or false, not 'maybe'"):
        get_profile("nvidia-l4", {"enable_prefix_caching": "maybe"})
    assert get_profile("nvidia-l4", {"max_num_seqs": 64.0}).max_num_seqs == 64
    with pytest.raises(OverrideError, match="must be positive"):
        get_profile("nvidia-l4", {"prefill_tokens_per_s": 0})
    with pytest.raises(OverrideError, match="cannot hold one sequence of max_model_len=16384"):
        get_profile("nvidia-l4", {"num_gpu_blocks": 100, "max_model_len": 16384})
    assert get_profile("nvidia-l4", {"num_gpu_blocks": 100}).max_model_len == 1600  # shrinks to fit, as vLLM says
    with pytest.raises(OverrideError, match="KEY=VALUE"):
        parse_assignments(["ttft_ms"])
    assert parse_assignments(["ttft_ms = 5"]) == {"ttft_ms": "5"}


def test_every_accelerator_is_calibrated_or_says_why_not():
    calibrated = {f.accelerator for f in calibration.FIGURES}
    assert calibrated | set(calibration.NOT_CALIBRATED) == set(CATALOG)
    assert not calibrated & set(calibration.NOT_CALIBRATED)
    for name in calibrated:
        assert hardware.CHIPS[name].calibrated and any(f.fitted for f in calibration.FIGURES if f.accelerator == name)
    for figure in calibration.FIGURES:
        assert figure.url.startswith("https://") and figure.source and figure.date and figure.description


@pytest.mark.parametrize("figure", calibration.FIGURES, ids=lambda f: f"{f.accelerator}-{f.model_profile}-{f.workload}")
def test_recorded_calibration_errors_are_current(figure):
    error = calibration.error_pct(figure)
    assert error == pytest.approx(figure.recorded_error_pct, abs=0.15)
    if figure.fitted:
        assert abs(error) < 1.0  # the fitted efficiency, rounded to 2 digits
        assert hardware.CHIPS[figure.accelerator].memory_efficiency == pytest.approx(
            calibration.fit_memory_efficiency(figure), abs=0.006)
    else:
        assert abs(error) < 25  # held-out figures: the model's real error, reported in the table


def test_uncalibrated_accelerators_use_the_mean_fitted_efficiency():
    fitted = [hardware.CHIPS[f.accelerator].memory_efficiency for f in calibration.FIGURES if f.fitted]
    assert hardware.DEFAULT_MEMORY_EFFICIENCY == pytest.approx(sum(fitted) / len(fitted), abs=0.006)
    for name in ("nvidia-l4", "tpu-v5-lite-podslice", "tpu-v6e-slice"):
        assert not hardware.CHIPS[name].calibrated
        assert hardware.CHIPS[name].memory_efficiency == hardware.DEFAULT_MEMORY_EFFICIENCY
