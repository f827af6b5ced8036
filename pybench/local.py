"""`pybench bench --target local`: the real inference-perf as a subprocess against the built-in simulator (or any
endpoint), with everything written to results/<run-id>/."""

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from pybench import endpoint as endpoints
from pybench.accelerators import get_accelerator
from pybench.errors import ReportError, RunExists
from pybench.procs import StreamingProcess
from pybench.progress import LiveProgress, RunProgress
from pybench.render import (
    RenderRequest,
    Storage,
    check_run_id,
    dump_yaml,
    load_scenario,
    new_run_id,
    planned_duration_s,
    planned_stages,
    render_config,
)
from pybench.reports import load_run
from pybench.results import RunResult
from pybench.runrecord import RunRecord, now_iso, tool_versions, write_record
from pybench.validity import MAX_FAILURE_RATIO, Verdict, judge

CONFIG_FILE = "inference-perf-config.yaml"
LOG_FILE = "inference-perf.log"


@dataclass
class LocalBench:
    scenario: str = "demo"
    accelerator: str = "nvidia-l4"
    model: str | None = None
    endpoint: str | None = None  # None: start the built-in simulator
    tokenizer: str | None = None
    run_id: str | None = None
    results_dir: Path = Path("results")
    overrides: list[str] = field(default_factory=list)
    sim_overrides: dict[str, str] = field(default_factory=dict)
    num_workers: int | None = None
    max_failure_ratio: float = MAX_FAILURE_RATIO
    model_profile: str = "llama-3.1-8b"  # the simulator's latency model (without --endpoint)
    prometheus: bool = False  # run a local Prometheus scraping the server; inference-perf reports its metrics
    scrape_interval_s: int = 1


@dataclass
class Outcome:
    run_dir: Path
    result: RunResult | None
    verdict: Verdict


@contextlib.contextmanager
def _server(bench: LocalBench) -> Iterator[str]:
    if bench.endpoint:
        yield bench.endpoint
        return
    from pybench import simulator

    with simulator.running(bench.accelerator, model=bench.model, overrides=bench.sim_overrides,
                           model_profile=bench.model_profile) as url:
        yield url


def _prometheus_overrides(url: str, scrape_interval_s: int) -> list[str]:
    """inference-perf collects server metrics from this Prometheus and writes stage and summary reports of them."""
    return ["metrics.type=prometheus", f"metrics.prometheus.url={url}",
            f"metrics.prometheus.scrape_interval={scrape_interval_s}",
            "report.prometheus.summary=true", "report.prometheus.per_stage=true"]


@contextlib.contextmanager
def _prometheus(bench: LocalBench, server_url: str, port: int | None, run_dir: Path) -> Iterator[None]:
    if port is None:
        yield
        return
    from urllib.parse import urlsplit

    from pybench.prometheus_server import running_prometheus

    with running_prometheus([urlsplit(server_url).netloc], bench.scrape_interval_s, port=port,
                            log_path=run_dir / "prometheus.log"):
        yield


def run_local(bench: LocalBench, console: Console | None = None) -> Outcome:
    """Validate everything, then run; every check that can fail happens before results/<run-id>/ is created.

    SIGTERM (e.g. `kill`, a closing terminal) is handled like Ctrl-C, so the children never outlive pybench and the
    reports of what ran are kept."""
    with _terminate_like_ctrl_c():
        return _run_local(bench, console)


@contextlib.contextmanager
def _terminate_like_ctrl_c() -> Iterator[None]:
    def raise_interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, raise_interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_local(bench: LocalBench, console: Console | None) -> Outcome:
    console = console or Console(stderr=True)
    get_accelerator(bench.accelerator)
    scenario = load_scenario(bench.scenario)
    run_id = check_run_id(bench.run_id) if bench.run_id else new_run_id(scenario.name, bench.accelerator)
    run_dir = (bench.results_dir / run_id).resolve()
    if run_dir.exists():
        raise RunExists(f"Run '{run_id}' already exists in {run_dir.parent}; choose another --run-id.")

    tokenizer = bench.tokenizer
    if not bench.endpoint and not tokenizer:
        from pybench.simulator import TOKENIZER_DIR

        tokenizer = str(TOKENIZER_DIR)
    request = RenderRequest(
        scenario=scenario, endpoint=bench.endpoint or "http://127.0.0.1:0", accelerator=bench.accelerator,
        run_id=run_id, storage=Storage(local_path=str(run_dir)), model=bench.model, tokenizer=tokenizer,
        num_workers=bench.num_workers, overrides=bench.overrides,
    )
    if bench.prometheus:
        from pybench.prometheus_server import find_prometheus

        find_prometheus()  # fail before starting anything when it is not installed
        request.overrides = _prometheus_overrides("http://127.0.0.1:9090", bench.scrape_interval_s) + bench.overrides
    render_config(request)  # fail on a bad scenario or --set before starting anything

    with _server(bench) as url:
        request.endpoint = url
        request.model = endpoints.preflight(url, bench.model)
        prometheus_port = _free_port() if bench.prometheus else None
        if prometheus_port:
            request.overrides = _prometheus_overrides(f"http://127.0.0.1:{prometheus_port}",
                                                      bench.scrape_interval_s) + bench.overrides
        config = render_config(request)
        run_dir.mkdir(parents=True)
        (run_dir / CONFIG_FILE).write_text(dump_yaml(config))
        record = RunRecord(
            run_id=run_id, scenario=scenario.name, target="local", accelerator=bench.accelerator,
            model=request.model, endpoint=url, tool_versions=tool_versions(), started_at=now_iso(),
            planned_stages=planned_stages(config),
            extra={"simulator": not bench.endpoint, "scenario_file": str(scenario.path),
                   "prometheus": bool(prometheus_port), "max_failure_ratio": bench.max_failure_ratio},
        )
        write_record(run_dir, record)
        progress = RunProgress(planned_stages(config), planned_duration_s(config))
        with _prometheus(bench, url, prometheus_port, run_dir):
            exit_code, interrupted = _run_inference_perf(run_dir, url, progress, console, local_tokenizer=tokenizer)

    try:
        result: RunResult | None = load_run(run_dir)
    except ReportError:
        result = None
    verdict = judge(result, exit_code, interrupted, max_failure_ratio=bench.max_failure_ratio,
                    planned_stages=record.planned_stages)
    record.ended_at, record.exit_code, record.reasons = now_iso(), exit_code, verdict.reasons
    record.status = "interrupted" if interrupted else "succeeded" if verdict.valid else "invalid"
    write_record(run_dir, record)
    if result is not None:
        result.record = vars(record)
    return Outcome(run_dir=run_dir, result=result, verdict=verdict)


def _run_inference_perf(
    run_dir: Path, url: str, progress: RunProgress, console: Console, local_tokenizer: str | None
) -> tuple[int, bool]:
    """Run inference-perf to the end. On Ctrl-C, pass it on once so it writes the reports of what ran."""
    env = dict(os.environ)
    env.setdefault("TRANSFORMERS_VERBOSITY", "error")
    env["PYTHONUNBUFFERED"] = "1"  # its log lines drive the live progress; a pipe would otherwise buffer them
    if local_tokenizer and Path(local_tokenizer).is_dir():
        env["HF_HUB_OFFLINE"] = "1"
    argv = [str(Path(sys.executable).with_name("inference-perf")), "--config_file", CONFIG_FILE]
    child = StreamingProcess(argv, cwd=run_dir, env=env, log_path=run_dir / LOG_FILE)
    stop = threading.Event()
    poller = threading.Thread(target=_poll_requests, args=(url, progress, stop), daemon=True)
    reaper = _ExitReaper(child, run_dir)
    interrupted = False
    try:
        with LiveProgress(progress, console) as live:
            poller.start()
            reaper.start()

            def on_line(line: str) -> None:
                reaper.saw_output()
                live.feed(line)

            while True:
                try:
                    code = child.follow(on_line)
                    return (0 if reaper.reaped else code), interrupted
                except KeyboardInterrupt:
                    if interrupted:
                        child.kill()
                        return child.proc.wait(), True
                    interrupted = True
                    console.print("Interrupted: letting inference-perf write the reports of what ran "
                                  "(Ctrl-C again to stop at once).")
                    child.interrupt()
    finally:
        stop.set()
        child.close()


class _ExitReaper(threading.Thread):
    """inference-perf can hang at interpreter exit after writing every report (a multiprocessing queue feeder
    blocks on requests no worker will read, typically after an interrupted stage). Once its last report is on disk
    and it has been silent for a while, stop it; its reports are complete, so the run counts as exited cleanly."""

    QUIET_S = 10.0
    LAST_REPORT = "validation.json"  # inference-perf saves it after every other report

    def __init__(self, child: StreamingProcess, run_dir: Path) -> None:
        super().__init__(daemon=True)
        self.child, self.run_dir = child, run_dir
        self.last_output = time.monotonic()
        self.reaped = False

    def saw_output(self) -> None:
        self.last_output = time.monotonic()

    def run(self) -> None:
        while self.child.proc.poll() is None:
            time.sleep(1.0)
            quiet = time.monotonic() - self.last_output > self.QUIET_S
            if quiet and (self.run_dir / self.LAST_REPORT).exists() and self.child.proc.poll() is None:
                self.reaped = True
                self.child.log_note("pybench: inference-perf wrote its reports but did not exit; stopped it.")
                self.child.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _poll_requests(url: str, progress: RunProgress, stop: threading.Event) -> None:
    baseline = endpoints.completed_requests(url)
    while not stop.wait(1.0):
        done = endpoints.completed_requests(url)
        if done is not None:
            progress.requests_done = done - (baseline or 0)
