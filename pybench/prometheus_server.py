"""A real Prometheus server for local runs: started with a generated config that scrapes the model server's /metrics
on 127.0.0.1, so inference-perf's Prometheus metrics collection (`metrics: {type: prometheus}`) works locally exactly
as it does against Google Managed Prometheus in a cluster. Needs the `prometheus` binary (Debian/Ubuntu package
`prometheus`, or PROMETHEUS_BIN).

    with running_prometheus(["127.0.0.1:8000"], scrape_interval_s=1) as url:
        ...  # inference-perf queries url + "/api/v1/query"
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from pybench.errors import ToolError
from pybench.procs import stop

JOB = "model-server"
DEBIAN_BINARY = "/usr/bin/prometheus"


def find_prometheus() -> str:
    """The Prometheus binary: $PROMETHEUS_BIN, `prometheus` on PATH, or the Debian package's."""
    for candidate in (os.environ.get("PROMETHEUS_BIN"), shutil.which("prometheus"), DEBIAN_BINARY):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ToolError("Prometheus is not installed: `apt-get install prometheus` (Debian/Ubuntu), or set PROMETHEUS_BIN "
                    "to a prometheus binary.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape_config(targets: list[str], scrape_interval_s: int) -> dict:
    interval = f"{scrape_interval_s}s"
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [{
            "job_name": JOB,
            "metrics_path": "/metrics",
            "scrape_interval": interval,
            "scrape_timeout": interval,
            "static_configs": [{"targets": targets}],
        }],
    }


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


def scraped(url: str) -> bool:
    """True once every target has been scraped successfully at least once."""
    try:
        targets = _get_json(f"{url}/api/v1/targets?state=active")["data"]["activeTargets"]
    except (OSError, ValueError, KeyError):
        return False
    return bool(targets) and all(t.get("health") == "up" for t in targets)


def query(url: str, promql: str) -> list[dict]:
    """An instant PromQL query's result vector."""
    data = _get_json(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
    return data["data"]["result"]


@contextmanager
def running_prometheus(targets: list[str], scrape_interval_s: int = 1, port: int = 0, timeout: float = 30.0,
                       log_path: Path | None = None) -> Iterator[str]:
    """Run Prometheus on 127.0.0.1 scraping `targets` (host:port) until the block ends; yield its base URL once every
    target has been scraped. Its data lives in a temporary folder removed afterwards; its log goes to `log_path`."""
    binary = find_prometheus()
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="pybench-prometheus-"))
    config = workdir / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(targets, scrape_interval_s)))
    argv = [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1d", "--log.level=warn"]
    log = open(log_path or workdir / "prometheus.log", "ab")  # noqa: SIM115 (closed below)
    child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not scraped(url):
            if child.poll() is not None:
                raise ToolError(f"Prometheus exited with code {child.returncode} before scraping {', '.join(targets)}."
                                f"{_tail(log_path or workdir / 'prometheus.log')}")
            if time.monotonic() > deadline:
                raise ToolError(f"Prometheus at {url} did not scrape {', '.join(targets)} within {timeout:.0f} s."
                                f"{_tail(log_path or workdir / 'prometheus.log')}")
            time.sleep(0.1)
        yield url
    finally:
        stop(child, timeout=15)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")[-1500:].strip()
    except OSError:
        return ""
    return f" Its log ends with:\n{text}" if text else ""
