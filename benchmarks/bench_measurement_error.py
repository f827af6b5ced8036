"""How far inference-perf's client-side latencies are from the truth, at several request rates.

The simulator records every request's true server-side times (--trace); the real inference-perf runs one stage per
rate against it; each reported request is matched to its ground truth (pybench/simulator/truth.py). Per rate it
prints the per-request TTFT error (reported minus true) and the relative error of the run's mean TTFT, TPOT and ITL.
The error is the client's own overhead: sending the request, and reading each chunk in a Python event loop that also
parses every other stream. Prints figures only; there is no pass/fail.

    .venv/bin/python benchmarks/bench_measurement_error.py [--rates 1,4,16,48] [--duration 10] [--workers 1]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

from pybench.reports import load_run
from pybench.simulator import TOKENIZER_DIR, running
from pybench.simulator.trace import load
from pybench.simulator.truth import distributions, match, ttft_errors

INFERENCE_PERF = Path(sys.executable).with_name("inference-perf")
ACCELERATOR = "nvidia-h100-80gb"  # fast enough that 48 req/s is not queueing-bound: the error is the client's


def run_rate(rate: float, duration: float, workers: int, workdir: Path) -> dict:
    reports, trace_file = workdir / f"reports-{rate:g}", workdir / f"truth-{rate:g}.jsonl"
    with running(ACCELERATOR, trace=trace_file) as url:
        config = {
            "server": {"type": "vllm", "base_url": url, "model_name": "pybench/sim-llama-3.1-8b", "ignore_eos": True},
            "tokenizer": {"pretrained_model_name_or_path": str(TOKENIZER_DIR)},
            "api": {"type": "completion", "streaming": True},
            "data": {"type": "random",
                     "input_distribution": {"min": 256, "max": 768, "mean": 512, "std_dev": 128, "type": "normal"},
                     "output_distribution": {"min": 64, "max": 192, "mean": 128, "std_dev": 32, "type": "normal"}},
            "load": {"type": "poisson", "stages": [{"rate": rate, "duration": duration}], "num_workers": workers},
            "report": {"request_lifecycle": {"summary": True, "per_stage": False, "per_request": True}},
            "storage": {"local_storage": {"path": str(reports)}},
        }
        config_file = workdir / f"config-{rate:g}.yaml"
        config_file.write_text(yaml.safe_dump(config))
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
        subprocess.run([str(INFERENCE_PERF), "--config_file", str(config_file)], cwd=workdir, env=env,
                       capture_output=True, check=True, timeout=duration + 300)
    summary = load_run(reports).summary
    pairs = match(json.loads((reports / "per_request_lifecycle_metrics.json").read_text()), load(trace_file))
    truth = distributions(pairs, "truth")
    errors_ms = np.array(ttft_errors(pairs)) * 1000
    relative = {m: (getattr(summary, m).mean - truth[m]["mean"]) / truth[m]["mean"] for m in ("ttft", "tpot", "itl")}
    return {
        "rate": rate, "requests": summary.successes, "matched": len(pairs),
        "true_ttft_ms": truth["ttft"]["p50"] * 1000, "true_tpot_ms": truth["tpot"]["p50"] * 1000,
        "ttft_err_p50_ms": float(np.percentile(errors_ms, 50)), "ttft_err_p99_ms": float(np.percentile(errors_ms, 99)),
        "ttft_err_max_ms": float(errors_ms.max()),
        "send_ms": float(np.median([p.send_delay for p in pairs]) * 1000),
        "read_ms": float(np.median([p.first_token_delay for p in pairs]) * 1000),
        **{f"{m}_mean_err_pct": 100 * v for m, v in relative.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1,4,16,48", help="request rates, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per rate")
    parser.add_argument("--workers", type=int, default=1, help="inference-perf load.num_workers")
    args = parser.parse_args()
    print(f"inference-perf (num_workers={args.workers}) against the simulator ({ACCELERATOR}), "
          f"{args.duration:g} s per rate; errors = reported - true")
    print(f"{'rate':>5} {'reqs':>5} {'true TTFT':>10} {'true TPOT':>10} | {'TTFT err p50':>12} {'p99':>7} {'max':>7}"
          f" | {'send':>6} {'read':>6} | {'mean TTFT':>9} {'TPOT':>7} {'ITL':>7}")
    with tempfile.TemporaryDirectory(prefix="pybench-error-") as tmp:
        for rate in (float(r) for r in args.rates.split(",")):
            r = run_rate(rate, args.duration, args.workers, Path(tmp))
            print(f"{r['rate']:>5g} {r['matched']:>5} {r['true_ttft_ms']:>8.1f}ms {r['true_tpot_ms']:>8.2f}ms | "
                  f"{r['ttft_err_p50_ms']:>10.2f}ms {r['ttft_err_p99_ms']:>5.2f}ms {r['ttft_err_max_ms']:>5.2f}ms | "
                  f"{r['send_ms']:>4.2f}ms {r['read_ms']:>4.2f}ms | {r['ttft_mean_err_pct']:>+8.2f}% "
                  f"{r['tpot_mean_err_pct']:>+6.2f}% {r['itl_mean_err_pct']:>+6.2f}%", flush=True)
            if r["matched"] != r["requests"]:
                print(f"      note: {r['requests'] - r['matched']} reported requests had no ground truth match")


if __name__ == "__main__":
    main()
