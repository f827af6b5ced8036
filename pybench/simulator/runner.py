"""Starting the simulator: `serve()` blocks in this process (the CLI), `running()` runs it in a child process."""

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pybench.errors import EndpointError, ToolError
from pybench.procs import stop

READY_PREFIX = "pybench-sim listening on "
DEFAULT_MODEL_PROFILE = "llama-3.1-8b"
TOKENIZER_DIR = Path(__file__).resolve().parent.parent / "assets" / "tokenizer"


def serve(
    accelerator: str,
    model: str | None = None,
    overrides: Mapping[str, object] | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    on_ready: Callable[[str], None] | None = None,
    model_profile: str = DEFAULT_MODEL_PROFILE,
    trace: Path | None = None,
    tokenizer: Path | str | None = None,
) -> None:
    """Run the simulator until SIGINT or SIGTERM. `on_ready` gets the base URL once it listens (port 0: any free).

    `model_profile` picks the latency model (llama-3.1-8b, llama-3.1-70b); `model` is the name it serves (default:
    pybench/sim-<model_profile>); `trace` records every request's true times (trace.py) as JSONL; `tokenizer` (a
    folder or hub id) replaces the bundled offline tokenizer."""
    import asyncio
    import signal

    from pybench.simulator.profiles import get_profile

    profile = get_profile(accelerator, overrides, model_profile)
    _raise_open_files_limit()

    async def main() -> None:
        from pybench.simulator.app import serve_until
        from pybench.simulator.server import Simulator

        simulator = Simulator(profile, model or profile.served_model_name, tokenizer or TOKENIZER_DIR, trace)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread: the caller stops us some other way
        try:
            await serve_until(simulator, host, port, stop, on_ready)
        except OSError as e:
            raise EndpointError(f"The simulator cannot listen on {host}:{port}: {e.strerror or e}.") from None

    try:
        import uvloop

        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())


def _raise_open_files_limit() -> None:
    """A thousand concurrent streams need more descriptors than the common soft limit of 1024."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 65536
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, 65536), hard))
    except (ImportError, ValueError, OSError):
        pass


@contextmanager
def running(
    accelerator: str,
    model: str | None = None,
    overrides: Mapping[str, object] | None = None,
    port: int = 0,
    timeout: float = 30.0,
    model_profile: str = DEFAULT_MODEL_PROFILE,
    trace: Path | None = None,
) -> Iterator[str]:
    """Run the simulator in a child process on 127.0.0.1 and yield its base URL; the child is stopped on exit.
    `trace`: a JSONL file that receives every request's true server-side times (see trace.py).

    Raises UnknownAccelerator/OverrideError at once for bad arguments, ToolError when the child does not come up.
    """
    from pybench.simulator.profiles import get_profile

    get_profile(accelerator, overrides, model_profile)
    argv = [sys.executable, "-m", "pybench.simulator", "--accelerator", accelerator, "--port", str(port)]
    argv += ["--host", "127.0.0.1", "--model-profile", model_profile] + (["--model", model] if model else [])
    argv += ["--trace", str(trace)] if trace else []
    for key, value in (overrides or {}).items():
        argv += ["--set", f"{key}={value}"]
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryFile(mode="w+") as stderr:
        # Its own session: a terminal Ctrl-C must not stop the server while inference-perf finishes its reports.
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True,
                                 env=env, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            url = _read_ready_line(child, deadline, stderr)
            _wait_healthy(url, child, deadline, stderr)
            yield url
        finally:
            stop(child)


def _read_ready_line(child: subprocess.Popen, deadline: float, stderr) -> str:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:  # keeps draining stdout after the ready line so the child never blocks on a full pipe
        for line in child.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="pybench-sim-stdout", daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise ToolError(f"The simulator did not report its address in time.{_stderr_tail(stderr)}") from None
        if line is None:
            child.wait()
            raise ToolError(f"The simulator exited with code {child.returncode} before listening.{_stderr_tail(stderr)}")
        if line.startswith(READY_PREFIX):
            return line[len(READY_PREFIX):].strip()


def _wait_healthy(url: str, child: subprocess.Popen, deadline: float, stderr) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if child.poll() is not None:
            raise ToolError(f"The simulator exited with code {child.returncode}.{_stderr_tail(stderr)}")
        if time.monotonic() > deadline:
            raise ToolError(f"The simulator at {url} did not answer /health in time.{_stderr_tail(stderr)}")
        time.sleep(0.05)


def _stderr_tail(stderr) -> str:
    stderr.flush()
    stderr.seek(0)
    tail = stderr.read()[-2000:].strip()
    return f" Its stderr ends with:\n{tail}" if tail else ""
