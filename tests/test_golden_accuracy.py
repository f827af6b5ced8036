"""Golden accuracy: the TTFT, TPOT and ITL pybench reports for a run of the real inference-perf are within 2% of the
simulator's ground truth (each request's true server-side times), compared like with like: the same statistic over
the same requests.

The workload keeps latencies in the hundreds of milliseconds (the L4 profile: 80 ms decode steps, some stretched by
prefill chunks; about 0.45 s to first token), so the client's own overhead (a millisecond or two to send a request and read a chunk) is small next to
what is measured. That overhead is the measurement error this test bounds; benchmarks/bench_measurement_error.py
shows how it grows with load.
"""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from pybench.reports import load_run
from pybench.simulator import TOKENIZER_DIR, running
from pybench.simulator.trace import load
from pybench.simulator.truth import distributions, match, ttft_errors

INFERENCE_PERF = Path(sys.executable).with_name("inference-perf")
TOLERANCE = 0.02
STATS = {metric: ("mean", 50, 90, 99) for metric in ("ttft", "tpot", "itl")}


def inference_perf_config(url: str, reports: Path) -> dict:
    return {
        "server": {"type": "vllm", "base_url": url, "model_name": "pybench/sim-llama-3.1-8b", "ignore_eos": True},
        "tokenizer": {"pretrained_model_name_or_path": str(TOKENIZER_DIR)},
        "api": {"type": "completion", "streaming": True},
        "data": {
            "type": "random",
            "input_distribution": {"min": 400, "max": 1000, "mean": 700, "std_dev": 150, "type": "normal"},
            "output_distribution": {"min": 24, "max": 40, "mean": 32, "std_dev": 4, "type": "normal"},
        },
        "load": {"type": "poisson", "stages": [{"rate": 2, "duration": 15}], "num_workers": 1},
        "report": {"request_lifecycle": {"summary": True, "per_stage": True, "per_request": True}},
        "storage": {"local_storage": {"path": str(reports)}},
    }


def test_reported_latencies_are_within_2_percent_of_the_truth(tmp_path):
    reports, trace_file = tmp_path / "reports", tmp_path / "truth.jsonl"
    with running("nvidia-l4", overrides={"ttft_ms": 200}, trace=trace_file) as url:
        config_file = tmp_path / "config.yaml"
        config_file.write_text(yaml.safe_dump(inference_perf_config(url, reports)))
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
        run = subprocess.run([str(INFERENCE_PERF), "--config_file", str(config_file)], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stderr[-3000:]

    result = load_run(reports)
    assert result.summary is not None and result.summary.failures == 0
    per_request = yaml.safe_load((reports / "per_request_lifecycle_metrics.json").read_text())
    pairs = match(per_request, load(trace_file))
    assert len(pairs) == result.summary.successes >= 25  # every reported request has its ground truth

    truth = distributions(pairs, "truth")
    assert truth["ttft"]["p50"] > 0.3 and truth["tpot"]["p50"] > 0.05  # the regime where 2% is meaningful
    problems = []
    for metric, stats in STATS.items():
        reported = getattr(result.summary, metric)
        for stat in stats:
            value = reported.mean if stat == "mean" else reported.p(stat)
            true = truth[metric]["mean" if stat == "mean" else f"p{stat}"]
            error = (value - true) / true
            if abs(error) > TOLERANCE:
                problems.append(f"{metric} {stat}: reported {value * 1000:.2f} ms, true {true * 1000:.2f} ms "
                                f"({error:+.1%})")
    assert not problems, problems
    errors = ttft_errors(pairs)
    assert min(errors) > 0  # the client cannot see a token before the server sent it
    assert max(errors) < 0.02  # the client's overhead per request stays well under 20 ms here
