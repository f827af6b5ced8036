"""`pybench sim`: bad input gives one line and exit code 1; good input serves until stopped."""

import os
import signal
import subprocess
import sys
import urllib.request

from click.testing import CliRunner

from pybench.cli import main


def invoke(*args, env=None):
    result = CliRunner().invoke(main, ["sim", *args], env=env)
    return result.exit_code, result.output


def assert_one_line_error(code, output, expected):
    assert code == 1, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], output


def test_unknown_accelerator_lists_valid_names():
    code, out = invoke("--accelerator", "nvidia-k80")
    assert_one_line_error(code, out, "Unknown accelerator 'nvidia-k80'; valid: nvidia-l4, nvidia-tesla-a100")
    assert "tpu-v6e-slice" in out


def test_accelerator_comes_from_the_environment():
    code, out = invoke(env={"ACCELERATOR": "nvidia-k80"})
    assert_one_line_error(code, out, "Unknown accelerator 'nvidia-k80'")


def test_bad_overrides():
    assert_one_line_error(*invoke("--set", "ttft_ms"), "--set needs KEY=VALUE, not 'ttft_ms'")
    assert_one_line_error(*invoke("--set", "warp=9"), "Unknown simulator parameter 'warp'; valid: ttft_ms")
    assert_one_line_error(*invoke("--set", "ttft_ms=soon"), "Simulator parameter ttft_ms needs a number, not 'soon'.")


def test_help_ends_with_an_example():
    code, out = invoke("--help")
    assert code == 0 and "Example:\n    pybench sim --accelerator" in out


def test_sim_serves_until_interrupted():
    command = [sys.executable, "-c", "from pybench.cli import main; main()", "sim", "--port", "0",
               "--accelerator", "tpu-v6e-slice", "--model", "sim/cli"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(os.environ, MODEL_ID="ignored"))
    try:
        line = child.stdout.readline()
        assert line.startswith("pybench-sim listening on http://127.0.0.1:") and "tpu-v6e-slice" in line
        url = line.split()[3]
        with urllib.request.urlopen(url + "/v1/models", timeout=10) as response:
            assert b'"id":"sim/cli"' in response.read()
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=10) == 0
    finally:
        if child.poll() is None:
            child.kill()


def test_a_model_that_does_not_fit_is_one_line():
    assert_one_line_error(*invoke("--accelerator", "tpu-v5-lite-podslice", "--model-profile", "llama-3.1-70b"),
                          "llama-3.1-70b does not fit on one tpu-v5-lite-podslice host in bf16")


def test_the_cli_model_profiles_are_the_simulators():
    from pybench.simulator.hardware import MODELS

    for command in ("sim", "bench"):
        option = next(p for p in main.commands[command].params if p.name == "model_profile")
        assert list(option.type.choices) == list(MODELS)


def test_prometheus_is_for_local_runs():
    result = CliRunner().invoke(main, ["bench", "--target", "gke", "--prometheus"])
    assert result.exit_code == 1 and "--prometheus starts a Prometheus server here, for --target local" in result.output


def test_sim_serves_the_70b_profile_and_records_a_trace(tmp_path):
    trace = tmp_path / "truth.jsonl"
    command = [sys.executable, "-c", "from pybench.cli import main; main()", "sim", "--port", "0",
               "--accelerator", "nvidia-h100-80gb", "--model-profile", "llama-3.1-70b", "--trace", str(trace)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = child.stdout.readline().split()[3]
        with urllib.request.urlopen(url + "/v1/models", timeout=10) as response:
            assert b'"id":"pybench/sim-llama-3.1-70b"' in response.read()
        with urllib.request.urlopen(url + "/debug/requests", timeout=10) as response:
            assert response.read() == b"[]"
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=10) == 0
    finally:
        if child.poll() is None:
            child.kill()
    assert trace.exists()
