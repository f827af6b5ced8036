"""The simulator's HTTP server: vLLM's OpenAI-compatible routes over the engine in engine.py.

One asyncio task runs the engine step loop: it schedules a step, sleeps for the step's simulated duration, then
delivers that step's tokens to every running request in one pass (see replies.py). Request handlers only parse,
count prompt tokens, submit a Sequence and wait for it to finish.
"""

import asyncio
import itertools
import logging
import zlib
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from pybench.simulator.api import ApiError, dumps, parse_body, resolve_max_tokens
from pybench.simulator.engine import Engine, Sequence
from pybench.simulator.metrics import ServerMetrics
from pybench.simulator.profiles import Profile
from pybench.simulator.replies import ReplyContext, StreamReply, UnaryReply, unary_body
from pybench.simulator.vocab import INLINE_TOKENIZE_CHARS, Vocabulary

DEFAULT_MODEL = "pybench/sim-llama-3.1-8b"
MAX_CATCH_UP_S = 0.25
log = logging.getLogger("pybench.simulator")
SSE_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}


class Simulator:
    """Engine, vocabulary and metrics of one served model, and the loop that drives the engine in real time."""

    def __init__(self, profile: Profile, model: str, tokenizer_dir: Path):
        self.profile = profile
        self.model = model
        self.engine = Engine(profile)
        self.vocab = Vocabulary(tokenizer_dir)
        self.words_json = [dumps(w) for w in self.vocab.words]
        self.metrics = ServerMetrics(model, lambda: self.engine.num_running, lambda: self.engine.num_waiting)
        self.request_numbers = itertools.count()
        self._work = asyncio.Event()

    def submit(self, seq: Sequence) -> None:
        self.engine.add(seq)
        self._work.set()

    async def run_engine(self) -> None:
        loop = asyncio.get_running_loop()
        engine = self.engine
        previous_end, busy = 0.0, False
        while True:
            now = loop.time()
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
            await asyncio.sleep(step.end - loop.time())
            emitted = engine.complete(step, loop.time())
            self._deliver(emitted)
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
                metrics.on_finished(seq, sink.ctx.finish_reason(seq.generated))
        metrics.on_step(emitted)

    async def count_prompt(self, texts: list[str]) -> int:
        if sum(len(t) for t in texts) <= INLINE_TOKENIZE_CHARS:
            return sum(self.vocab.count(t) for t in texts)
        return await asyncio.to_thread(self.vocab.count_many, texts)

    async def generate(self, request: web.Request, chat: bool) -> web.StreamResponse:
        try:
            parsed = parse_body(await request.read(), self.model, chat)
            prompt_tokens = parsed.known_prompt_tokens + await self.count_prompt(parsed.texts)
            max_tokens = resolve_max_tokens(parsed, prompt_tokens, self.profile.max_model_len)
        except ApiError as e:
            return web.Response(status=e.status, body=e.body(), content_type="application/json")
        digest = zlib.crc32("\x00".join(parsed.texts).encode(), prompt_tokens)
        # ignore_eos=false: stop at a length that is pseudo-random but fixed for a given prompt, like a greedy model
        output_tokens = max_tokens if parsed.ignore_eos else 1 + (digest >> 4) % max_tokens
        number = next(self.request_numbers)
        word_ids = self.vocab.word_ids(digest, output_tokens)
        ctx = ReplyContext.new(chat, number, self.model, prompt_tokens, max_tokens, word_ids)
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        seq = Sequence(prompt_tokens=prompt_tokens, output_tokens=output_tokens, arrival=loop.time())
        response: web.StreamResponse | None = None
        if parsed.stream:
            response = web.StreamResponse(headers=SSE_HEADERS)
            response.enable_chunked_encoding()
            await response.prepare(request)
            seq.sink = StreamReply(request.transport, done, ctx, self.words_json, parsed.include_usage)
        else:
            seq.sink = UnaryReply(done, ctx)
        self.submit(seq)
        try:
            completed = await done
        except asyncio.CancelledError:
            self.engine.abort(seq)
            raise
        if response is not None:
            if completed:
                await response.write_eof()
            return response
        text = self.vocab.text(digest, seq.generated)
        return web.Response(body=unary_body(ctx, text, seq.generated), content_type="application/json")


def _report_engine_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("The engine loop stopped; requests will hang.", exc_info=task.exception())


def build_app(simulator: Simulator) -> web.Application:
    async def completions(request: web.Request) -> web.StreamResponse:
        return await simulator.generate(request, chat=False)

    async def chat_completions(request: web.Request) -> web.StreamResponse:
        return await simulator.generate(request, chat=True)

    async def models(request: web.Request) -> web.Response:
        entry = {
            "id": simulator.model,
            "object": "model",
            "created": 0,
            "owned_by": "vllm",
            "root": simulator.model,
            "parent": None,
            "max_model_len": simulator.profile.max_model_len,
        }
        return web.Response(body=dumps({"object": "list", "data": [entry]}), content_type="application/json")

    async def health(request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=simulator.metrics.render(), content_type="text/plain", charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff"})

    async def start_engine(app: web.Application):
        task = asyncio.create_task(simulator.run_engine())
        task.add_done_callback(_report_engine_crash)
        yield
        task.cancel()

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/completions", completions)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    app.cleanup_ctx.append(start_engine)
    return app


async def serve_until(simulator: Simulator, host: str, port: int, stop: asyncio.Event,
                      on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until `stop` is set; `on_ready` gets the base URL once the socket listens (port 0 picks a free one)."""
    import socket

    runner = web.AppRunner(build_app(simulator), access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    site = web.SockSite(runner, sock, backlog=4096)
    await site.start()
    bound_port = sock.getsockname()[1]
    if on_ready is not None:
        on_ready(f"http://{host}:{bound_port}")
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
