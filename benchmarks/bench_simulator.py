"""How many streamed tokens per second the simulator serves on one core, and whether 1,000 concurrent streams work.

The simulator runs in a child process pinned to CPU 0 (when the OS allows); the streaming clients are aiohttp
coroutines in this process, pinned to the other CPUs. Prints figures only; there is no pass/fail.

    .venv/bin/python benchmarks/bench_simulator.py [--duration 10]
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

READY_PREFIX = "pybench-sim listening on "


@contextmanager
def pinned_simulator(overrides: dict[str, object], cpu: int = 0, extra: tuple[str, ...] = ()):
    """Start `python -m pybench.simulator` pinned to one CPU; yield (base URL, pid)."""
    argv = [sys.executable, "-m", "pybench.simulator", "--port", "0", "--accelerator", "nvidia-h100-80gb", *extra]
    for key, value in overrides.items():
        argv += ["--set", f"{key}={value}"]

    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(child.pid, {cpu})
        line = child.stdout.readline()
        if not line.startswith(READY_PREFIX):
            raise SystemExit(f"simulator did not start: {line!r}")
        yield line[len(READY_PREFIX):].strip(), child.pid
    finally:
        child.terminate()
        child.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (0 where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


@dataclass
class Tally:
    tokens: int = 0
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def stream_once(session: aiohttp.ClientSession, url: str, max_tokens: int, tally: Tally) -> None:
    body = {"prompt": "Tell me about the river and the mountain.", "max_tokens": max_tokens, "ignore_eos": True,
            "stream": True, "stream_options": {"include_usage": True}}
    try:
        async with session.post(url + "/v1/completions", json=body) as response:
            if response.status != 200:
                tally.error(f"HTTP {response.status}")
                await response.read()
                return
            messages, tail = 0, b""
            async for chunk in response.content.iter_any():
                messages += (tail + chunk[:1]).count(b"\n\n") + chunk.count(b"\n\n")  # a separator split over chunks
                tail = chunk[-1:]
            if tail != b"\n" or messages != max_tokens + 2:  # tokens, the usage chunk, [DONE]
                tally.error("short stream")
            tally.tokens += max(0, messages - 2)
            tally.requests += 1
    except (TimeoutError, aiohttp.ClientError) as e:
        tally.error(type(e).__name__)


async def drive(url: str, concurrency: int, duration: float, max_tokens: int) -> tuple[Tally, float]:
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=duration + 120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        deadline = time.perf_counter() + duration

        async def client() -> None:
            while time.perf_counter() < deadline:
                await stream_once(session, url, max_tokens, tally)

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return tally, time.perf_counter() - start


def mean_tpot_ms(url: str) -> float:
    """The simulator's own mean TPOT (from its /metrics), to compare with the latency model's step time."""
    import urllib.request

    text = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("vllm:request_time_per_output_token_seconds_"):
            name, value = line.split("{", 1)[0], line.rsplit(" ", 1)[1]
            values[name.rsplit("_", 1)[1]] = float(value)
    return 1000 * values["sum"] / values["count"] if values.get("count") else float("nan")


def run(label: str, overrides: dict[str, object], concurrency: int, duration: float, max_tokens: int,
        extra: tuple[str, ...] = ()) -> None:
    with pinned_simulator(overrides, extra=extra) as (url, pid):
        cpu_before, client_cpu_before = cpu_seconds(pid), time.process_time()
        tally, elapsed = asyncio.run(drive(url, concurrency, duration, max_tokens))
        sim_cpu = (cpu_seconds(pid) - cpu_before) / elapsed
        client_cpu = (time.process_time() - client_cpu_before) / elapsed
        tpot = mean_tpot_ms(url)
    errors = ", ".join(f"{k}: {v}" for k, v in tally.errors.items()) or "none"
    print(f"{label:<30} {concurrency:>5} streams {tally.tokens / elapsed:>8,.0f} tokens/s {tally.requests / elapsed:>6,.1f}"
          f" req/s  TPOT {tpot:5.1f} ms  CPU: simulator {sim_cpu:>4.0%}, clients {client_cpu:>4.0%}  errors: {errors}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, os.sched_getaffinity(0) - {0})  # leave CPU 0 to the simulator
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    except (ImportError, ValueError, OSError):
        pass

    flat_out = {"ttft_ms": 0, "decode_base_ms": 0, "decode_ms_per_seq": 0, "decode_ms_per_1k_context": 0,
                "prefill_tokens_per_s": 1e9, "max_num_seqs": 1024}
    print(f"simulator pinned to CPU 0; clients in this process on CPUs {sorted(os.sched_getaffinity(0))}")
    for concurrency in (64, 256):
        run("zero step time (CPU-bound)", flat_out, concurrency, args.duration, max_tokens=256)
    with tempfile.TemporaryDirectory() as tmp:  # recording every token's send time (ground truth)
        run("zero step time, --trace", flat_out, 256, args.duration, 256, ("--trace", f"{tmp}/truth.jsonl"))
    run("H100 profile as is", {}, 256, args.duration, max_tokens=256)
    thousand = {"max_num_seqs": 1024, "decode_base_ms": 40, "decode_ms_per_seq": 0, "decode_ms_per_1k_context": 0}
    run("40 ms steps", thousand, 1000, max(args.duration, 10.0), max_tokens=100)

if __name__ == "__main__":
    main()
