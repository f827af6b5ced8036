"""The scheduler and latency model on a virtual clock: no sockets, no timing."""

import pytest

from pybench.simulator.engine import Arrival, Engine, Sequence, simulate
from pybench.simulator.kvcache import KVCache, block_hashes
from pybench.simulator.profiles import get_profile

L4 = get_profile("nvidia-l4")
# A server whose step time is easy to predict: 10 ms a step, prefill 10 tokens per ms, no per-sequence cost.
FLAT = get_profile("nvidia-h100-80gb", {"ttft_ms": 0, "decode_base_ms": 10, "decode_ms_per_seq": 0,
                                        "decode_ms_per_1k_context": 0, "prefill_tokens_per_s": 10_000})


def one(profile, prompt_tokens=100, output_tokens=50):
    return simulate(profile, [Arrival(0.0, prompt_tokens, output_tokens)])[0]


def test_idle_ttft_is_overhead_plus_one_prefill_step():
    seq = one(L4, prompt_tokens=900, output_tokens=10)
    assert seq.ttft == pytest.approx((L4.ttft_ms + L4.step_ms(0, 900, 0)) / 1000)
    assert seq.generated == 10 and seq.finished_at is not None


def test_a_step_is_memory_bound_until_its_compute_is_longer():
    assert L4.step_ms(1, 0) == pytest.approx(L4.decode_base_ms)
    assert L4.step_ms(0, 2048) == pytest.approx(1000 * 2048 / L4.prefill_tokens_per_s)  # compute-bound prefill
    assert L4.step_ms(8, 0, context_tokens=10_000) == pytest.approx(L4.decode_base_ms + 10 * L4.decode_ms_per_1k_context)


def test_long_prompts_prefill_in_chunks_of_the_token_budget():
    profile = get_profile("nvidia-h100-80gb", {"ttft_ms": 0, "max_num_batched_tokens": 1000, "max_num_seqs": 64,
                                               "decode_base_ms": 1, "prefill_tokens_per_s": 10_000})
    seq = one(profile, prompt_tokens=3500)
    assert seq.ttft == pytest.approx((100 + 100 + 100 + 50) / 1000)  # 1000 + 1000 + 1000 + 500 tokens


def test_requests_beyond_max_num_seqs_queue_fifo():
    profile = get_profile("nvidia-l4", {"max_num_seqs": 2})
    seqs = simulate(profile, [Arrival(0.0, 100, 20) for _ in range(6)])
    ttfts = [s.ttft for s in seqs]
    assert ttfts[0] == pytest.approx(ttfts[1])
    assert ttfts[2] > ttfts[1] + 19 * profile.decode_base_ms / 1000  # waited for a whole request of the first pair
    assert ttfts[4] > ttfts[2]
    assert [s.admitted_at for s in seqs] == sorted(s.admitted_at for s in seqs)
    assert all(s.generated == 20 for s in seqs)


def test_tpot_grows_with_batch_size_and_context_length():
    def tpot(profile, concurrency, prompt=50):
        seqs = simulate(profile, [Arrival(0.0, prompt, 200) for _ in range(concurrency)])
        return sum(s.tpot for s in seqs) / len(seqs)

    h100 = get_profile("nvidia-h100-80gb")
    by_batch = [tpot(h100, n) for n in (1, 64, 256, 1024)]
    assert by_batch == sorted(by_batch) and by_batch[-1] > 2 * by_batch[0]  # large batches turn compute-bound
    assert tpot(h100, 64, prompt=4000) > 1.2 * tpot(h100, 64, prompt=50)  # reading a longer KV cache
    assert by_batch[0] == pytest.approx(h100.step_ms(1, 0, 150) / 1000, rel=0.02)


def test_throughput_rises_then_saturates():
    def tokens_per_s(rate):
        arrivals = [Arrival(i / rate, 512, 256) for i in range(int(rate * 60))]
        seqs = simulate(L4, arrivals)
        return sum(s.generated for s in seqs) / max(s.finished_at for s in seqs)

    low, mid, high = tokens_per_s(0.25), tokens_per_s(1), tokens_per_s(8)
    assert mid > 3 * low and mid < high < 2 * mid  # the knee: past saturation more load adds little


def test_ttft_blows_up_under_queueing():
    profile = get_profile("nvidia-l4", {"max_num_seqs": 16})
    ttft = [sum(s.ttft for s in simulate(profile, [Arrival(i / r, 256, 128) for i in range(100)])) / 100
            for r in (0.5, 50)]
    assert ttft[1] > 20 * ttft[0]


def test_a_shared_prefix_skips_its_prefill():
    shared = list(range(1000))
    arrivals = [Arrival(2.0 * i, 1100, 10, tuple(block_hashes(shared + [5000 + i] * 100, 16))) for i in range(3)]
    engine = Engine(L4)
    first, second, third = simulate(L4, arrivals, engine)
    assert (first.prefix_hit_tokens, second.prefix_hit_tokens) == (0, 992)  # 62 full blocks of the shared 1000
    assert second.ttft < first.ttft / 2 and second.ttft == pytest.approx(third.ttft)
    assert (engine.prefix_queries, engine.prefix_hits) == (3300, 2 * 992)
    unshared = get_profile("nvidia-l4", {"enable_prefix_caching": "false"})
    assert [s.prefix_hit_tokens for s in simulate(unshared, arrivals)] == [0, 0, 0]


def test_identical_prompts_still_compute_their_last_token():
    hashes = tuple(block_hashes(list(range(64)), 16))  # exactly 4 full blocks
    first, second = simulate(L4, [Arrival(0.0, 64, 5, hashes), Arrival(1.0, 64, 5, hashes)])
    assert first.prefix_hit_tokens == 0
    assert second.prefix_hit_tokens == 48  # vLLM recomputes the last block so one token is left to compute


def test_a_full_kv_cache_preempts_the_newest_and_recomputes_it():
    profile = get_profile("nvidia-l4", {"num_gpu_blocks": 200, "max_model_len": 3000, "ttft_ms": 0})
    engine = Engine(profile)
    seqs = simulate(profile, [Arrival(0.0, 500, 1500) for _ in range(4)], engine)
    assert engine.num_preemptions > 0 and seqs[0].preemptions == 0 and seqs[-1].preemptions > 0
    assert all(s.generated == 1500 for s in seqs)  # preempted sequences keep their tokens and finish
    assert engine.kv.num_free == 200  # every block came back
    first_done = min(s.finished_at for s in seqs[1:])
    assert seqs[0].finished_at < first_done


def test_admission_waits_for_free_blocks():
    profile = get_profile("nvidia-l4", {"num_gpu_blocks": 100, "max_model_len": 1600, "ttft_ms": 0})
    engine = Engine(profile)
    big, small = Sequence(1500, 10, 0.0), Sequence(500, 10, 0.0)
    engine.add(big)
    engine.add(small)
    engine.schedule(0.0)
    assert (engine.num_running, engine.num_waiting) == (1, 1)
    assert engine.kv.usage == pytest.approx(94 / 100)


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


def test_aborted_sequences_leave_the_engine_and_free_their_blocks():
    engine = Engine(FLAT)
    seq = Sequence(100, 100, arrival=0.0)
    engine.add(seq)
    engine.complete(engine.schedule(0.0), 0.1)
    assert engine.kv.num_free == FLAT.num_gpu_blocks - 7
    engine.abort(seq)
    step = engine.schedule(0.1)
    assert step.scheduled == [] and engine.complete(step, 0.2) == []
    assert engine.next_step_at(0.2) is None and engine.kv.num_free == FLAT.num_gpu_blocks


def test_inter_token_latency_is_the_step_time():
    seq = one(FLAT, prompt_tokens=10, output_tokens=5)
    assert seq.itl == pytest.approx(0.010) and seq.tpot == pytest.approx(0.010)


def test_kv_cache_evicts_the_least_recently_freed_cached_blocks():
    cache = KVCache(4, 16)
    a, b = [], []
    assert cache.allocate(a, 2) and cache.allocate(b, 2)
    cache.cache_blocks(a, [11, 12], 0, 2)
    assert not cache.allocate([], 1)
    cache.release(a)
    assert cache.usage == pytest.approx(0.5)  # cached blocks nobody holds count as free
    hits = cache.lookup([11, 12], 33)
    assert len(hits) == 2
    c: list[int] = []
    assert cache.allocate(c, 1)  # reuses the freed tail block first: its hash (12) is evicted
    assert cache.lookup([11, 12], 33) == hits[:1]
