"""The `pybench` command line. Each command parses its options, calls one library function and turns a
PybenchError into one line on stderr with exit code 1. Heavy libraries are imported inside commands so that
`pybench --help` stays fast."""

import click

from pybench.errors import PybenchError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


class PybenchGroup(click.Group):
    """Turns library errors into `error: <message>` and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PybenchError as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=PybenchGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="pybench")
def main() -> None:
    """Benchmark LLM inference servers with inference-perf, locally or on GKE.

    \b
    Example:
      pybench bench --target local --scenario demo
    """


def _console():
    from rich.console import Console

    return Console()


def _parse_pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{item}' must look like KEY=VALUE.", param_hint=option)
        pairs[key] = value
    return pairs


@main.command()
@click.option("--target", type=click.Choice(["local", "gke"]), default="local", show_default=True,
              help="Run inference-perf here (local) or as a Job in the cluster (gke).")
@click.option("--scenario", default="demo", show_default=True,
              help="Built-in scenario name (manifests/scenarios/) or path to your own inference-perf YAML.")
@click.option("--accelerator", envvar="ACCELERATOR", default="nvidia-l4", show_default=True,
              help="Accelerator of the model server [env ACCELERATOR]; locally it picks the simulator's profile.")
@click.option("--model", envvar="MODEL_ID", help="Model id to request [env MODEL_ID; default: first of /v1/models].")
@click.option("--endpoint", envvar="ENDPOINT",
              help="Model server base URL [env ENDPOINT]. Local default: start the built-in simulator.")
@click.option("--tokenizer", envvar="TOKENIZER", help="Tokenizer folder or hub id [env TOKENIZER; default: the model].")
@click.option("--run-id", help="Name of the run (default: time, scenario and accelerator).")
@click.option("--results-dir", envvar="PYBENCH_RESULTS", default="results", show_default=True, type=click.Path(),
              help="Folder that receives results/<run-id>/.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override an inference-perf config field, e.g. --set load.num_workers=4 (repeatable).")
@click.option("--sim-set", multiple=True, metavar="KEY=VALUE",
              help="Override a simulator profile parameter, e.g. --sim-set max_num_seqs=64 (repeatable).")
@click.option("--num-workers", type=click.IntRange(min=1), help="inference-perf worker processes.")
@click.option("--max-failure-ratio", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="A run with a larger share of failed requests is invalid.")
def bench(target, scenario, accelerator, model, endpoint, tokenizer, run_id, results_dir, overrides, sim_set,
          num_workers, max_failure_ratio):
    """Run a benchmark and print the per-stage table.

    Exits 1 when the run is invalid (no successes, too many failures, the load generator fell behind, or
    inference-perf failed); the reports are kept either way.

    \b
    Example:
      pybench bench --target local --scenario demo --accelerator nvidia-h100-80gb
      pybench bench --endpoint http://127.0.0.1:8000 --tokenizer ./tok --set load.num_workers=2
    """
    from pathlib import Path

    from pybench.local import LocalBench, run_local

    if target == "gke":
        raise click.ClickException("--target gke is not available in this version; use --target local.")
    outcome = run_local(LocalBench(
        scenario=scenario, accelerator=accelerator, model=model, endpoint=endpoint, tokenizer=tokenizer,
        run_id=run_id, results_dir=Path(results_dir), overrides=list(overrides),
        sim_overrides=_parse_pairs(sim_set, "--sim-set"), num_workers=num_workers, max_failure_ratio=max_failure_ratio,
    ))
    _finish(outcome.result, outcome.verdict, outcome.run_dir)


def _finish(result, verdict, run_dir) -> None:
    from pybench.views import print_result

    if result is not None:
        print_result(result, verdict, _console())
    if not verdict.valid:
        raise click.ClickException(f"run {run_dir.name} is invalid: {'; '.join(verdict.reasons)}.")


@main.command()
@click.argument("run", metavar="RUN_DIR_OR_ID")
@click.option("--results-dir", envvar="PYBENCH_RESULTS", default="results", show_default=True, type=click.Path(),
              help="Where run ids are looked up.")
def report(run, results_dir):
    """Print the per-stage table and validity verdict of an existing run.

    \b
    Example:
      pybench report results/20261204-101500-demo-nvidia-l4-1a2b
    """
    from pathlib import Path

    from pybench.reports import load_run
    from pybench.validity import judge

    path = Path(run)
    if not path.is_dir() and (Path(results_dir) / run).is_dir():
        path = Path(results_dir) / run
    result = load_run(path)
    record = result.record
    verdict = judge(result, record.get("exit_code"), record.get("status") == "interrupted")
    _finish(result, verdict, path)
