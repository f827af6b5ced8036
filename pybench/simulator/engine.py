"""The simulated vLLM engine: continuous batching with a FIFO waiting queue, chunked prefill and a step-time model.

Pure: no sockets, no asyncio, no clock of its own. Callers pass times in seconds; `simulate()` replays arrivals on a
virtual clock, which is how the tests check the latency model without timing anything.

One engine step, as vLLM's scheduler builds it:
  1. every sequence that has finished prefill decodes one token (one token of the step's budget each);
  2. sequences part-way through prefill continue, oldest first, within `max_num_batched_tokens`;
  3. waiting sequences that are ready are admitted in FIFO order while fewer than `max_num_seqs` run and budget remains.
Step time = decode_base_ms + decode_ms_per_seq * decoding sequences + prefill tokens / prefill_tokens_per_s.
A sequence emits its first token at the end of the step that completes its prefill, so
TTFT = ttft_ms + queue wait + prefill step(s); TPOT is the step time, which grows with the number of running sequences.
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pybench.simulator.profiles import Profile


@dataclass(slots=True, eq=False)
class Sequence:
    prompt_tokens: int
    output_tokens: int  # tokens to generate; the HTTP layer resolves max_tokens / ignore_eos into this
    arrival: float
    ready_at: float = 0.0
    sink: Any = None  # whatever the caller delivers tokens to; the engine never touches it
    prefilled: int = 0
    generated: int = 0
    admitted_at: float | None = None
    first_token_at: float | None = None
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
    decoding: list[Sequence]
    prefill_chunks: list[tuple[Sequence, int]] = field(default_factory=list)


class Engine:
    def __init__(self, profile: Profile):
        self.profile = profile
        self.waiting: deque[Sequence] = deque()
        self.prefilling: deque[Sequence] = deque()
        self.decoding: list[Sequence] = []

    @property
    def num_running(self) -> int:
        return len(self.decoding) + len(self.prefilling)

    @property
    def num_waiting(self) -> int:
        return len(self.waiting)

    def add(self, seq: Sequence) -> None:
        seq.ready_at = seq.arrival + self.profile.ttft_ms / 1000.0
        self.waiting.append(seq)

    def abort(self, seq: Sequence) -> None:
        """Drop a sequence (its client went away); it is removed lazily at the next step."""
        seq.aborted = True

    def next_step_at(self, now: float) -> float | None:
        """When the next step can start: `now` if there is work, a later time if the queue's head is not ready yet,
        None when idle."""
        while self.waiting and self.waiting[0].aborted:
            self.waiting.popleft()
        if self.decoding or self.prefilling:
            return now
        if self.waiting:
            return max(now, self.waiting[0].ready_at)
        return None

    def schedule(self, now: float, start: float | None = None) -> Step:
        """Build the next step, admitting what is ready by `now`; it runs from `start` (default `now`). Call
        complete() with it once its end has passed."""
        profile = self.profile
        if any(s.aborted for s in self.decoding):
            self.decoding = [s for s in self.decoding if not s.aborted]
        if any(s.aborted for s in self.prefilling):
            self.prefilling = deque(s for s in self.prefilling if not s.aborted)
        decoding = list(self.decoding)
        budget = profile.max_num_batched_tokens - len(decoding)
        chunks: list[tuple[Sequence, int]] = []
        for seq in self.prefilling:
            if budget <= 0:
                break
            take = min(budget, seq.prompt_tokens - seq.prefilled)
            chunks.append((seq, take))
            budget -= take
        while self.waiting and budget > 0 and self.num_running < profile.max_num_seqs:
            seq = self.waiting[0]
            if seq.aborted:
                self.waiting.popleft()
                continue
            if seq.ready_at > now:
                break
            self.waiting.popleft()
            seq.admitted_at = now
            self.prefilling.append(seq)
            take = min(budget, seq.prompt_tokens)
            chunks.append((seq, take))
            budget -= take
        prefill_tokens = sum(take for _, take in chunks)
        duration = profile.step_ms(len(decoding), prefill_tokens) / 1000.0
        start = now if start is None else start
        return Step(start=start, end=start + duration, decoding=decoding, prefill_chunks=chunks)

    def complete(self, step: Step, now: float) -> list[Sequence]:
        """Apply a step at time `now`: returns the sequences that got one token, in order; finished ones have
        `finished_at` set and have left the engine."""
        emitted: list[Sequence] = []
        any_finished = False
        for seq in step.decoding:
            if seq.aborted:
                continue
            seq.generated += 1
            emitted.append(seq)
            if seq.generated >= seq.output_tokens:
                seq.finished_at = now
                any_finished = True
        for seq, take in step.prefill_chunks:
            if seq.aborted:
                continue
            seq.prefilled += take
            if seq.prefilled >= seq.prompt_tokens:
                self.prefilling.remove(seq)
                seq.first_token_at = now
                seq.generated = 1
                emitted.append(seq)
                if seq.generated >= seq.output_tokens:
                    seq.finished_at = now
                else:
                    self.decoding.append(seq)
        if any_finished:
            self.decoding = [s for s in self.decoding if s.finished_at is None and not s.aborted]
        return emitted


@dataclass(frozen=True)
class Arrival:
    at: float
    prompt_tokens: int
    output_tokens: int


def simulate(profile: Profile, arrivals: Iterable[Arrival]) -> list[Sequence]:
    """Replay arrivals on a virtual clock and return their sequences (in arrival order) with timings filled in."""
    pending = deque(sorted(arrivals, key=lambda a: a.at))
    sequences: list[Sequence] = []
    engine = Engine(profile)
    now = 0.0
    while True:
        while pending and pending[0].at <= now:
            a = pending.popleft()
            seq = Sequence(prompt_tokens=a.prompt_tokens, output_tokens=a.output_tokens, arrival=a.at)
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
