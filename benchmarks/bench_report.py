"""How long `pybench report` takes on a 10-stage run (target: under 2 s), as a user runs it: a fresh process,
imports included. Builds the run in a temporary folder - stage and summary reports shaped like inference-perf
0.7's plus a per-request file (100 requests a stage) - and prints the median of several runs for the table,
JSON and HTML outputs, with and without per-request recomputation. Prints figures only.

    .venv/bin/python benchmarks/bench_report.py
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pybench.analysis import synth

PYBENCH = Path(sys.executable).with_name("pybench")
PERCENTILES = (0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9)
RATES = [1, 2, 4, 6, 8, 10, 12, 14, 16, 20]


def summarize(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    out = {"mean": float(np.mean(values)), "min": float(np.min(values)), "max": float(np.max(values))}
    for p in PERCENTILES:
        out["median" if p == 50 else f"p{p:g}"] = float(np.percentile(values, p))
    return out


def lifecycle(reqs: list[synth.Req], rate: float | None) -> dict:
    """A stage or summary report computed the way inference-perf's reportgen does."""
    span = max(r.end for r in reqs) - min(r.start for r in reqs)
    sent = max(r.start for r in reqs) - min(r.start for r in reqs)
    out_tokens = sum(r.output_tokens for r in reqs)
    in_tokens = sum(r.input_tokens for r in reqs)
    load = {"count": len(reqs), "schedule_delay": summarize([0.001] * len(reqs))}
    if rate is not None:
        load.update(send_duration=sent, requested_rate=rate, achieved_rate=len(reqs) / sent)
    return {
        "benchmark_time_seconds": span, "load_summary": load,
        "successes": {
            "count": len(reqs),
            "latency": {"request_latency": summarize([r.end - r.start for r in reqs]),
                        "normalized_time_per_output_token": summarize([(r.end - r.start) / r.output_tokens
                                                                       for r in reqs]),
                        "time_per_output_token": summarize([r.tpot for r in reqs]),
                        "time_to_first_token": summarize([r.ttft for r in reqs]),
                        "inter_token_latency": summarize([r.tpot for r in reqs])},
            "throughput": {"input_tokens_per_sec": in_tokens / span, "output_tokens_per_sec": out_tokens / span,
                           "total_tokens_per_sec": (in_tokens + out_tokens) / span, "requests_per_sec": len(reqs) / span},
            "prompt_tokens": {"total": float(in_tokens), **summarize([float(r.input_tokens) for r in reqs])},
            "output_tokens": {"total": float(out_tokens), **summarize([float(r.output_tokens) for r in reqs])},
        },
        "failures": {"count": 0, "request_latency": None, "by_label": {}},
    }


def build_run(folder: Path) -> None:
    rng = np.random.default_rng(0)
    stages, t = [], 1000.0
    for i, rate in enumerate(RATES):
        n = 100
        load = rate / RATES[-1]
        reqs = [synth.Req(start=t + k / rate, ttft=float(0.05 + 0.4 * load ** 3 * rng.random()),
                          tpot=float(0.02 + 0.03 * load ** 2), output_tokens=64, input_tokens=256) for k in range(n)]
        (folder / f"stage_{i}_lifecycle_metrics.json").write_text(json.dumps(lifecycle(reqs, rate), indent=2))
        stages.append(reqs)
        t += n / rate + 5
    everything = [r for reqs in stages for r in reqs]
    (folder / "summary_lifecycle_metrics.json").write_text(json.dumps(lifecycle(everything, None), indent=2))
    synth.write_file(folder / "per_request_lifecycle_metrics.json", everything)
    (folder / "run.json").write_text(json.dumps({"run_id": "bench-10-stages", "accelerator": "nvidia-l4",
                                                 "model": "bench", "status": "succeeded", "exit_code": 0}))


def timed(args: list[str], runs: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(PYBENCH), *args], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        run.mkdir()
        build_run(run)
        size = (run / "per_request_lifecycle_metrics.json").stat().st_size / 1e6
        print(f"10-stage run, 1000 requests, per-request file {size:.0f} MB")
        slo = ["--slo", "ttft_p95=300ms,tpot_p95=45ms"]
        for label, args in [
            ("report (stage reports only)", ["report", str(run), "--no-per-request", *slo]),
            ("report (per-request recomputation)", ["report", str(run), *slo]),
            ("report --format json", ["report", str(run), *slo, "--format", "json"]),
            ("report --html", ["report", str(run), *slo, "--html", str(Path(tmp) / "r.html")]),
        ]:
            median, worst = timed(args)
            print(f"{label}: median {median:.2f} s, max {worst:.2f} s over 5 runs")
        print("target: < 2 s")


if __name__ == "__main__":
    main()
