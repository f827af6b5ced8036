"""The real inference-perf (the installed CLI) against the simulator: every request succeeds and its token counts
agree with the simulator's."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from pybench.simulator import TOKENIZER_DIR, running

INFERENCE_PERF = Path(sys.executable).with_name("inference-perf")
MODEL = "pybench/sim-llama-3.1-8b"


def test_inference_perf_run_against_the_simulator(tmp_path):
    reports = tmp_path / "reports"
    with running("nvidia-h100-80gb") as url:
        config = {
            "server": {"type": "vllm", "base_url": url, "model_name": MODEL},
            "tokenizer": {"pretrained_model_name_or_path": str(TOKENIZER_DIR)},
            "api": {"type": "completion", "streaming": True},
            "data": {
                "type": "random",
                "input_distribution": {"min": 20, "max": 400, "mean": 150, "std_dev": 80, "type": "normal"},
                "output_distribution": {"min": 5, "max": 80, "mean": 40, "std_dev": 15, "type": "normal"},
            },
            "load": {"type": "constant", "stages": [{"rate": 5, "duration": 3}], "num_workers": 1},
            "report": {"request_lifecycle": {"summary": True, "per_stage": True, "per_request": True}},
            "storage": {"local_storage": {"path": str(reports)}},
        }
        config_file = tmp_path / "cfg.yaml"
        config_file.write_text(yaml.safe_dump(config))
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
        command = [str(INFERENCE_PERF), "--config_file", str(config_file)]
        run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stderr[-3000:]

    summary = json.loads((reports / "summary_lifecycle_metrics.json").read_text())
    successes = summary["successes"]
    assert summary["failures"]["count"] == 0
    assert successes["count"] == 15
    assert successes.get("token_count_mismatches", 0) == 0
    assert successes["latency"]["time_to_first_token"]["min"] > 0

    per_request = json.loads((reports / "per_request_lifecycle_metrics.json").read_text())
    assert len(per_request) == 15
    for record in per_request:
        max_tokens = json.loads(record["request"])["max_tokens"]
        response_metrics = record["info"]["response_metrics"]
        assert response_metrics["output_tokens"] == max_tokens  # inference-perf's own count of the streamed text
        assert response_metrics["server_usage"]["completion_tokens"] == max_tokens
