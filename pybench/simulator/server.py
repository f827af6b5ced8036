"""The simulated model server: the engine (engine.py) driven in real time, and the request handler behind vLLM's
OpenAI-compatible routes (the routes themselves are in app.py).

One asyncio task runs the engine step loop: it schedules a step, sleeps for the step's simulated duration, then
delivers that step's tokens to every running request in one pass (see replies.py). Request handlers only parse,
tokenize the prompt (its token ids feed prefix caching), submit a Sequence and wait for it to finish.
"""

import asyncio
import itertools
import logging
import zlib
from pathlib import Path
from time import monotonic

from aiohttp import web

from pybench.simulator.api import ApiError, GenerationRequest, dumps, parse_body, resolve_max_tokens
from pybench.simulator.engine import Engine, Sequence
from pybench.simulator.kvcache import block_hashes
from pybench.simulator.metrics import ServerMetrics
from pybench.simulator.profiles import Profile
from pybench.simulator.replies import ReplyContext, StreamReply, UnaryReply, unary_body
from pybench.simulator.trace import Recorder, RequestTrace, prompt_sha1
from pybench.simulator.vocab import INLINE_TOKENIZE_CHARS, Vocabulary, chat_ids

DEFAULT_MODEL = "pybench/sim-llama-3.1-8b"
MAX_CATCH_UP_S = 0.25
TIMER_SLACK_S = 0.0003  # the event loop's timers fire up to a millisecond early: sleep again when further off
log = logging.getLogger("pybench.simulator")
SSE_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}


class Simulator:
    """Engine, vocabulary and metrics of one served model, and the loop that drives the engine in real time."""

    def __init__(self, profile: Profile, model: str, tokenizer: Path | str, trace: Path | None = None):
        self.profile = profile
        self.model = model
        self.engine = Engine(profile)
        self.vocab = Vocabulary(tokenizer)
        self.words_json = [dumps(w) for w in self.vocab.words]
        self.metrics = ServerMetrics(model, self.engine)
        self.recorder = Recorder(trace) if trace else None
        self.request_numbers = itertools.count()
        self._work = asyncio.Event()

    def submit(self, seq: Sequence) -> None:
        self.engine.add(seq)
        self._work.set()

    async def run_engine(self) -> None:
        engine = self.engine
        previous_end, busy = 0.0, False
        while True:
            now = monotonic()
            start = engine.next_step_at(now)
            if start is None:
                self._work.clear()
                await self._work.wait()
                busy = False
                continue
            if start > now:
                await asyncio.sleep(start - now)  # the queue's head is not ready; later arrivals are ready later
                busy = False
                continue
            # Back-to-back steps start where the previous one ended, so the CPU time spent delivering a step does
            # not stretch the modelled step time (up to MAX_CATCH_UP_S of lag).
            step = engine.schedule(now, max(previous_end, now - MAX_CATCH_UP_S) if busy else now)
            while (left := step.end - monotonic()) > TIMER_SLACK_S:
                await asyncio.sleep(left)
            emitted = engine.complete(step, max(step.end, monotonic()))
            self._deliver(emitted)
            self.metrics.on_step(step, emitted)
            previous_end, busy = step.end, True

    def _deliver(self, emitted: list[Sequence]) -> None:
        engine = self.engine
        metrics = self.metrics
        for seq in emitted:
            sink = seq.sink
            try:
                delivered = sink.deliver(seq)
            except Exception:  # one broken connection must not stop the engine loop for everyone else
                log.exception("Delivering a token failed; aborting that request.")
                delivered = False
            if not delivered:
                engine.abort(seq)
                metrics.successes["abort"] += 1
                if not sink.done.done():
                    sink.done.set_result(False)
            elif seq.finished_at is not None:
                metrics.on_finished(seq, sink.ctx.finish_reason(seq.generated), sink.ctx.max_tokens)

    async def prompt_ids(self, parsed: GenerationRequest) -> tuple[list[int], int]:
        """The prompt's token ids for prefix caching (chat: with stand-ins for the template's tokens), and its
        length in tokens."""
        if parsed.prompt_ids is not None:
            return parsed.prompt_ids, parsed.known_prompt_tokens
        texts = parsed.texts
        if sum(len(t) for t in texts) <= INLINE_TOKENIZE_CHARS:
            encode = self.vocab.tokenizer.encode
            per_text = [encode(t, add_special_tokens=False).ids if t else [] for t in texts]
        else:
            per_text = await asyncio.to_thread(self.vocab.ids_many, texts)
        count = parsed.known_prompt_tokens + sum(len(ids) for ids in per_text)
        return (chat_ids(per_text) if parsed.chat else [i for ids in per_text for i in ids]), count

    async def generate(self, request: web.Request, chat: bool) -> web.StreamResponse:
        arrival = monotonic()
        try:
            parsed = parse_body(await request.read(), self.model, chat)
            ids, prompt_tokens = await self.prompt_ids(parsed)
            max_tokens = resolve_max_tokens(parsed, prompt_tokens, self.profile.max_model_len)
        except ApiError as e:
            return web.Response(status=e.status, body=e.body(), content_type="application/json")
        digest = zlib.crc32("\x00".join(parsed.texts).encode(), prompt_tokens)
        # ignore_eos=false: stop at a length that is pseudo-random but fixed for a given prompt, like a greedy model
        output_tokens = max_tokens if parsed.ignore_eos else 1 + (digest >> 4) % max_tokens
        number = next(self.request_numbers)
        ctx = ReplyContext.new(chat, number, self.model, prompt_tokens, max_tokens,
                               self.vocab.word_ids(digest, output_tokens))
        hashes = block_hashes(ids, self.profile.block_size) if self.profile.enable_prefix_caching else ()
        seq = Sequence(prompt_tokens, output_tokens, monotonic(), hashes)
        trace = None
        if self.recorder is not None:
            trace = RequestTrace(ctx.request_id, arrival, prompt_sha1(parsed.texts), prompt_tokens, parsed.stream)
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        response: web.StreamResponse | None = None
        if parsed.stream:
            response = web.StreamResponse(headers={**SSE_HEADERS, "X-Request-Id": ctx.request_id})
            response.enable_chunked_encoding()
            await response.prepare(request)
            seq.sink = StreamReply(request.transport, done, ctx, self.words_json, parsed.include_usage, trace)
        else:
            seq.sink = UnaryReply(done, ctx, trace)
        self.submit(seq)
        try:
            completed = await done
        except asyncio.CancelledError:
            self.engine.abort(seq)
            self._record(trace, seq, "abort")
            raise
        if response is not None:
            if completed:
                await response.write_eof()
            self._record(trace, seq, ctx.finish_reason(seq.generated) if completed else "abort")
            return response
        text = self.vocab.text(digest, seq.generated)
        body = unary_body(ctx, text, seq.generated)
        self._record(trace, seq, ctx.finish_reason(seq.generated))
        return web.Response(body=body, content_type="application/json", headers={"X-Request-Id": ctx.request_id})

    def _record(self, trace: RequestTrace | None, seq: Sequence, reason: str) -> None:
        if trace is None or self.recorder is None or trace.end is not None:
            return
        trace.end = monotonic()
        trace.output_tokens = seq.generated
        trace.cached_tokens = seq.prefix_hit_tokens
        trace.preemptions = seq.preemptions
        trace.finish_reason = reason
        self.recorder.finish(trace)
