"""The simulated vLLM engine: vLLM v1's scheduler over a paged KV cache, with a step-time model.

Pure: no sockets, no asyncio, no clock of its own. Callers pass times in seconds; `simulate()` replays arrivals on a
virtual clock, which is how the tests check the model without timing anything.

One engine step, as vLLM v1's scheduler builds it, within a budget of `max_num_batched_tokens` tokens:
  1. running sequences, oldest first, get the tokens they still need computed: one to decode, or the next chunk of
     a prompt (chunked prefill). Each takes KV-cache blocks for its new tokens; when none are free, the newest
     running sequence is preempted (its blocks freed, to be recomputed later) and put back at the head of the queue;
  2. unless something was preempted, waiting sequences that are ready are admitted in FIFO order while fewer than
     `max_num_seqs` run, budget remains and the KV cache has blocks for them. The longest prefix of a prompt whose
     full blocks are in the prefix cache is not computed again.
A sequence whose tokens are all computed at the end of a step samples one new token. Step time (Profile.step_ms) =
max(decode_base_ms + decode_ms_per_1k_context x KV tokens read / 1000,
    decode_ms_per_seq x decoding sequences + prefill tokens / prefill_tokens_per_s).
"""

from collections import deque
from collections.abc import Iterable
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from typing import Any

from pybench.simulator.kvcache import KVCache
from pybench.simulator.profiles import Profile


@dataclass(slots=True, eq=False)
class Sequence:
    prompt_tokens: int
    output_tokens: int  # tokens to generate; the HTTP layer resolves max_tokens / ignore_eos into this
    arrival: float
    block_hashes: Seq[int] = ()  # hashes of the prompt's full blocks, for prefix caching (kvcache.block_hashes)
    ready_at: float = 0.0
    sink: Any = None  # whatever the caller delivers tokens to; the engine never touches it
    computed: int = 0  # tokens whose KV is in the cache (vLLM's num_computed_tokens)
    generated: int = 0
    blocks: list[int] = field(default_factory=list)
    cached_blocks: int = 0  # leading blocks already registered in the prefix cache
    prefix_hit_tokens: int = 0  # prompt tokens found in the prefix cache when first scheduled
    preemptions: int = 0
    admitted_at: float | None = None  # first scheduled
    first_token_at: float | None = None
    last_token_at: float | None = None
    itl: float = 0.0  # time since the previous token, set with each token after the first
    finished_at: float | None = None
    aborted: bool = False

    @property
    def finished(self) -> bool:
        return self.generated >= self.output_tokens

    @property
    def ttft(self) -> float | None:
        return None if self.first_token_at is None else self.first_token_at - self.arrival

    @property
    def tpot(self) -> float | None:
        """Mean time between output tokens after the first (inference-perf's definition)."""
        if self.finished_at is None or self.first_token_at is None or self.generated < 2:
            return None
        return (self.finished_at - self.first_token_at) / (self.generated - 1)


@dataclass(slots=True)
class Step:
    start: float
    end: float
    scheduled: list[tuple[Sequence, int]]  # (sequence, tokens computed for it in this step)
    decoding: int = 0
    prefill_tokens: int = 0


class Engine:
    def __init__(self, profile: Profile):
        self.profile = profile
        self.kv = KVCache(profile.num_gpu_blocks, profile.block_size, profile.enable_prefix_caching)
        self.waiting: deque[Sequence] = deque()
        self.running: list[Sequence] = []
        self.num_preemptions = 0
        self.prefix_queries = 0  # prompt tokens looked up in the prefix cache
        self.prefix_hits = 0  # of which found

    @property
    def num_running(self) -> int:
        return len(self.running)

    @property
    def num_waiting(self) -> int:
        return len(self.waiting)

    def add(self, seq: Sequence) -> None:
        seq.ready_at = seq.arrival + self.profile.ttft_ms / 1000.0
        self.waiting.append(seq)

    def abort(self, seq: Sequence) -> None:
        """Drop a sequence (its client went away); it is removed, and its blocks freed, at the next step."""
        seq.aborted = True

    def next_step_at(self, now: float) -> float | None:
        """When the next step can start: `now` if there is work, a later time if the queue's head is not ready yet,
        None when idle."""
        while self.waiting and self.waiting[0].aborted:
            self.waiting.popleft()
        if self.running:
            return now
        if self.waiting:
            return max(now, self.waiting[0].ready_at)
        return None

    def schedule(self, now: float, start: float | None = None) -> Step:
        """Build the next step, admitting what is ready by `now`; it runs from `start` (default `now`). Call
        complete() with it once its end has passed."""
        profile = self.profile
        kv = self.kv
        bs = profile.block_size
        running = self.running
        if any(s.aborted for s in running):
            for s in running:
                if s.aborted:
                    kv.release(s.blocks)
            running = self.running = [s for s in running if not s.aborted]
        budget = profile.max_num_batched_tokens
        scheduled: list[tuple[Sequence, int]] = []
        decoding = prefill = context = 0
        preempted = False
        i = 0
        while i < len(running) and budget > 0:
            seq = running[i]
            need = seq.prompt_tokens + seq.generated - seq.computed
            n = min(budget, need)
            if seq.computed + n > len(seq.blocks) * bs:
                short = -(-(seq.computed + n) // bs) - len(seq.blocks)
                evicted_self = False
                while not kv.allocate(seq.blocks, short):
                    victim = running.pop()  # the newest: never one already scheduled in this step
                    self._preempt(victim)
                    preempted = True
                    if victim is seq:
                        evicted_self = True
                        break
                if evicted_self:
                    break
            scheduled.append((seq, n))
            budget -= n
            context += seq.computed
            if need == 1:
                decoding += 1
            else:
                prefill += n
            i += 1
        waiting = self.waiting
        while not preempted and waiting and budget > 0 and len(running) < profile.max_num_seqs:
            seq = waiting[0]
            if seq.aborted:
                waiting.popleft()
                continue
            if seq.ready_at > now:
                break
            total = seq.prompt_tokens + seq.generated
            hits = kv.lookup(seq.block_hashes, total)
            computed = len(hits) * bs
            n = min(budget, total - computed)
            if not kv.allocate(seq.blocks, -(-(computed + n) // bs) - len(hits), hits):
                break  # the KV cache is full: the queue waits, first come first served
            waiting.popleft()
            if seq.admitted_at is None:
                seq.admitted_at = now
                seq.prefix_hit_tokens = computed
                self.prefix_queries += seq.prompt_tokens
                self.prefix_hits += computed
            seq.computed = computed
            seq.cached_blocks = len(hits)
            running.append(seq)
            scheduled.append((seq, n))
            budget -= n
            context += computed
            prefill += n
        duration = profile.step_ms(decoding, prefill, context) / 1000.0
        start = now if start is None else start
        return Step(start=start, end=start + duration, scheduled=scheduled, decoding=decoding, prefill_tokens=prefill)

    def _preempt(self, seq: Sequence) -> None:
        """vLLM's recompute preemption: free the blocks, keep the generated tokens, queue at the head."""
        self.kv.release(seq.blocks)
        seq.computed = 0
        seq.cached_blocks = 0
        seq.preemptions += 1
        self.num_preemptions += 1
        self.waiting.appendleft(seq)

    def complete(self, step: Step, now: float) -> list[Sequence]:
        """Apply a step at time `now`: returns the sequences that got one token, in order; finished ones have
        `finished_at` set, have left the engine and freed their blocks."""
        emitted: list[Sequence] = []
        any_finished = False
        kv = self.kv
        bs = self.profile.block_size
        for seq, n in step.scheduled:
            if seq.aborted:
                continue
            seq.computed += n
            full = seq.computed // bs
            if full > seq.cached_blocks:
                kv.cache_blocks(seq.blocks, seq.block_hashes, seq.cached_blocks, full)
                seq.cached_blocks = full
            if seq.computed < seq.prompt_tokens + seq.generated:
                continue  # a prompt chunk: no token yet
            seq.generated += 1
            if seq.generated == 1:
                seq.first_token_at = now
            else:
                seq.itl = now - seq.last_token_at  # type: ignore[operator]
            seq.last_token_at = now
            emitted.append(seq)
            if seq.generated >= seq.output_tokens:
                seq.finished_at = now
                any_finished = True
        if any_finished:
            for seq in self.running:
                if seq.finished_at is not None:
                    kv.release(seq.blocks)
            self.running = [s for s in self.running if s.finished_at is None]
        return emitted


@dataclass(frozen=True)
class Arrival:
    at: float
    prompt_tokens: int
    output_tokens: int
    block_hashes: tuple[int, ...] = ()


def simulate(profile: Profile, arrivals: Iterable[Arrival], engine: Engine | None = None) -> list[Sequence]:
    """Replay arrivals on a virtual clock and return their sequences (in arrival order) with timings filled in."""
    pending = deque(sorted(arrivals, key=lambda a: a.at))
    sequences: list[Sequence] = []
    engine = engine or Engine(profile)
    now = 0.0
    while True:
        while pending and pending[0].at <= now:
            a = pending.popleft()
            seq = Sequence(a.prompt_tokens, a.output_tokens, a.at, a.block_hashes)
            engine.add(seq)
            sequences.append(seq)
        start = engine.next_step_at(now)
        if start is None or start > now:
            candidates = [t for t in (start, pending[0].at if pending else None) if t is not None]
            if not candidates:
                return sequences
            now = min(candidates)
            continue
        step = engine.schedule(now)
        now = step.end
        engine.complete(step, now)
