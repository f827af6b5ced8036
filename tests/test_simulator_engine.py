"""The latency model on a virtual clock: no sockets, no timing."""

import pytest

from pybench.accelerators import CATALOG
from pybench.errors import OverrideError, UnknownAccelerator
from pybench.simulator.engine import Arrival, Engine, Sequence, simulate
from pybench.simulator.profiles import PROFILES, get_profile, parse_assignments

L4 = get_profile("nvidia-l4")


def one(profile, prompt_tokens=100, output_tokens=50):
    return simulate(profile, [Arrival(0.0, prompt_tokens, output_tokens)])[0]


def test_every_profile_is_a_catalog_accelerator():
    assert set(PROFILES) <= set(CATALOG)
    assert {"nvidia-l4", "nvidia-h100-80gb", "tpu-v5-lite-podslice"} <= set(PROFILES)


def test_unknown_accelerator_lists_valid_names():
    with pytest.raises(UnknownAccelerator, match="valid: nvidia-l4, .*tpu-v6e-slice"):
        get_profile("nvidia-k80")


def test_overrides_are_typed_and_checked():
    profile = get_profile("nvidia-l4", {"ttft_ms": "200", "max_num_seqs": "8"})
    assert profile.ttft_ms == 200.0 and profile.max_num_seqs == 8 and isinstance(profile.max_num_seqs, int)
    with pytest.raises(OverrideError, match="Unknown simulator parameter 'speed'; valid: ttft_ms"):
        get_profile("nvidia-l4", {"speed": 1})
    with pytest.raises(OverrideError, match="max_num_seqs needs an integer, not 'many'"):
        get_profile("nvidia-l4", {"max_num_seqs": "many"})
    with pytest.raises(OverrideError, match="needs an integer, not '2.5'"):
        get_profile("nvidia-l4", {"max_num_seqs": 2.5})
    assert get_profile("nvidia-l4", {"max_num_seqs": 64.0}).max_num_seqs == 64
    with pytest.raises(OverrideError, match="must be positive"):
        get_profile("nvidia-l4", {"prefill_tokens_per_s": 0})
    with pytest.raises(OverrideError, match="KEY=VALUE"):
        parse_assignments(["ttft_ms"])
    assert parse_assignments(["ttft_ms = 5"]) == {"ttft_ms": "5"}


def test_idle_ttft_is_overhead_plus_prefill_step():
    seq = one(L4, prompt_tokens=900, output_tokens=10)
    expected_ms = L4.ttft_ms + L4.decode_base_ms + 1000 * 900 / L4.prefill_tokens_per_s
    assert seq.ttft == pytest.approx(expected_ms / 1000)
    assert seq.generated == 10


def test_known_ttft_with_overrides():
    profile = get_profile("nvidia-l4", {"ttft_ms": 200, "decode_base_ms": 0, "prefill_tokens_per_s": 1e9})
    assert one(profile).ttft == pytest.approx(0.2, abs=1e-6)


def test_ttft_grows_with_prompt_length():
    ttfts = [one(L4, prompt_tokens=n).ttft for n in (10, 500, 1500, 6000)]
    assert ttfts == sorted(ttfts) and ttfts[-1] > 2 * ttfts[0]


def test_long_prompts_prefill_in_chunks_of_the_token_budget():
    profile = get_profile("nvidia-l4", {"max_num_batched_tokens": 1000})
    seq = one(profile, prompt_tokens=3500)
    prefill_steps = 4  # 1000 + 1000 + 1000 + 500
    expected_ms = profile.ttft_ms + prefill_steps * profile.decode_base_ms + 1000 * 3500 / profile.prefill_tokens_per_s
    assert seq.ttft == pytest.approx(expected_ms / 1000)


def test_requests_beyond_max_num_seqs_queue_fifo():
    profile = get_profile("nvidia-l4", {"max_num_seqs": 2})
    seqs = simulate(profile, [Arrival(0.0, 100, 20) for _ in range(6)])
    ttfts = [s.ttft for s in seqs]
    assert ttfts[0] == pytest.approx(ttfts[1])
    assert ttfts[2] > ttfts[1] + 19 * profile.decode_base_ms / 1000  # waited for a whole request of the first pair
    assert ttfts[4] > ttfts[2]
    assert [s.admitted_at for s in seqs] == sorted(s.admitted_at for s in seqs)
    assert all(s.generated == 20 for s in seqs)


def test_tpot_grows_with_running_sequences():
    def tpot(concurrency):
        seqs = simulate(L4, [Arrival(0.0, 50, 200) for _ in range(concurrency)])
        return sum(s.tpot for s in seqs) / len(seqs)

    values = [tpot(n) for n in (1, 8, 32, 128)]
    assert values == sorted(values)
    assert values[0] == pytest.approx((L4.decode_base_ms + L4.decode_ms_per_seq) / 1000, rel=0.01)
    assert values[-1] > 1.5 * values[0]


def test_profiles_differ_by_accelerator():
    def latency(name):
        seqs = simulate(get_profile(name), [Arrival(i * 0.01, 512, 128) for i in range(64)])
        return sum(s.ttft for s in seqs) / 64, sum(s.tpot for s in seqs) / 64

    l4, a100, h100, h200 = (latency(n) for n in ("nvidia-l4", "nvidia-a100-80gb", "nvidia-h100-80gb",
                                                 "nvidia-h200-141gb"))
    v5e, v6e = latency("tpu-v5-lite-podslice"), latency("tpu-v6e-slice")
    assert l4[1] > a100[1] > h100[1] > h200[1]
    assert l4[0] > h100[0]
    assert v5e[1] > v6e[1]
    assert len({latency(n) for n in PROFILES}) == len(PROFILES)


def test_engine_state_counts_running_and_waiting():
    profile = get_profile("nvidia-l4", {"max_num_seqs": 1, "ttft_ms": 0})
    engine = Engine(profile)
    first, second = Sequence(10, 3, arrival=0.0), Sequence(10, 3, arrival=0.0)
    engine.add(first)
    engine.add(second)
    assert (engine.num_running, engine.num_waiting) == (0, 2)
    step = engine.schedule(0.0)
    assert (engine.num_running, engine.num_waiting) == (1, 1)
    assert engine.complete(step, step.end) == [first]
    assert first.generated == 1 and first.first_token_at == step.end


def test_aborted_sequences_leave_the_engine():
    engine = Engine(get_profile("nvidia-l4", {"ttft_ms": 0}))
    seq = Sequence(10, 100, arrival=0.0)
    engine.add(seq)
    engine.complete(engine.schedule(0.0), 0.1)
    engine.abort(seq)
    step = engine.schedule(0.1)
    assert step.decoding == [] and engine.complete(step, 0.2) == []
    assert engine.next_step_at(0.2) is None
