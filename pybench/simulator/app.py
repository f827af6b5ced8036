"""The simulator's HTTP routes (vLLM's: /v1/completions, /v1/chat/completions, /v1/models, /health, /metrics, plus
GET /debug/requests for the ground truth when recording) and the socket it serves them on."""

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web

from pybench.simulator.api import dumps
from pybench.simulator.server import Simulator

log = logging.getLogger("pybench.simulator")


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

    async def debug_requests(request: web.Request) -> web.Response:
        recorder = simulator.recorder
        if recorder is None:
            body = {"error": {"message": "Ground truth is not recorded; start the simulator with --trace FILE.",
                              "type": "NotFoundError", "code": 404}}
            return web.Response(status=404, body=dumps(body), content_type="application/json")
        recorder.flush()
        return web.Response(body=dumps(list(recorder.recent)), content_type="application/json")

    async def start_engine(app: web.Application):
        task = asyncio.create_task(simulator.run_engine())
        task.add_done_callback(_report_engine_crash)
        yield
        task.cancel()
        if simulator.recorder is not None:
            simulator.recorder.close()

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/completions", completions)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/debug/requests", debug_requests)
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
        shown = f"[{host}]" if ":" in host else host
        on_ready(f"http://{shown}:{bound_port}")
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
