"""Bad input: one clear line, exit code 1, no traceback, nothing half-written."""

import click
import pytest
from click.testing import CliRunner

from pybench.cli import main


@pytest.fixture
def results(tmp_path):
    return tmp_path / "results"


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def assert_one_line_error(code, output, expected):
    assert code == 1, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: ") and expected in lines[0], lines[0]
    assert "Traceback" not in output


def test_unknown_accelerator(results):
    code, out = invoke("bench", "--accelerator", "nvidia-k80", "--results-dir", str(results))
    assert_one_line_error(code, out, "Unknown accelerator 'nvidia-k80'; valid: nvidia-l4, nvidia-tesla-a100")
    assert not results.exists()


def test_missing_scenario_file(results):
    code, out = invoke("bench", "--scenario", "/no/such.yaml", "--results-dir", str(results))
    assert_one_line_error(code, out, "Scenario file /no/such.yaml does not exist.")
    assert not results.exists()


def test_malformed_scenario_names_file_and_field(results, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("load:\n  type: constant\n  stages: [{rate: -1, duration: 5}]\n")
    code, out = invoke("bench", "--scenario", str(bad), "--results-dir", str(results))
    assert_one_line_error(code, out, f"Scenario file {bad}: field 'load.stages.0.rate': Input should be greater than 0")
    assert not results.exists()


def test_unknown_set_key(results, closed_port_url):
    code, out = invoke("bench", "--endpoint", closed_port_url, "--set", "load.num_wrkers=4",
                       "--results-dir", str(results))
    assert_one_line_error(code, out, "--set load.num_wrkers: field 'load.num_wrkers': unknown key")
    assert not results.exists()


def test_unreachable_endpoint(results, closed_port_url):
    code, out = invoke("bench", "--endpoint", closed_port_url, "--results-dir", str(results))
    assert_one_line_error(code, out, f"Cannot reach {closed_port_url} (")
    assert "pass the right --endpoint" in out
    assert not results.exists()


def test_run_id_that_exists(results, closed_port_url):
    (results / "taken").mkdir(parents=True)
    (results / "taken" / "run.json").write_text("{}")
    code, out = invoke("bench", "--endpoint", closed_port_url, "--run-id", "taken", "--results-dir", str(results))
    assert_one_line_error(code, out, "Run 'taken' already exists in")
    assert [p.name for p in (results / "taken").iterdir()] == ["run.json"]


def test_bad_run_id(results):
    code, out = invoke("bench", "--run-id", "Bad Id", "--results-dir", str(results))
    assert_one_line_error(code, out, "Run id 'Bad Id' is not valid")


def test_report_on_missing_run(tmp_path):
    code, out = invoke("report", str(tmp_path / "nope"))
    assert_one_line_error(code, out, "No run folder at")


def all_commands(group: click.Group, path: tuple[str, ...] = ()):
    """Every command under the group, groups and their subcommands too, as argv paths."""
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, name))


def test_every_command_has_help_with_an_example():
    paths = list(all_commands(main))
    assert ("profiles", "manifest") in paths and ("bench",) in paths
    for path in paths:
        code, out = invoke(*path, "--help")
        assert code == 0 and "Example:" in out, " ".join(path)


def test_cluster_only_flags_on_a_local_run(results):
    code, out = invoke("bench", "--dry-run", "--cluster", "c", "--results-dir", str(results))
    assert_one_line_error(code, out, "--dry-run, --cluster: for --target gke only; add --target gke or leave them out.")
    assert not results.exists()
