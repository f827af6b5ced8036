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
