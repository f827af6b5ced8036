"""Benchmark runs and their analysis: `bench` (--target local or gke), `report`, `compare` and `sim`."""

import functools

import click

from pybench.cli.base import finish, main, parse_pairs, stdout_console
from pybench.cli.cluster import bench_gke, gke_bench_options

MODEL_PROFILES = click.Choice(["llama-3.1-8b", "llama-3.1-70b"])


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
@click.option("--prometheus", is_flag=True,
              help="Local: run a Prometheus server (Debian package prometheus) scraping the model server, so "
                   "inference-perf reports server-side metrics.")
@click.option("--model-profile", type=MODEL_PROFILES, default="llama-3.1-8b", show_default=True,
              help="Local simulator's latency model (without --endpoint).")
@gke_bench_options
def bench(target, scenario, accelerator, model, endpoint, tokenizer, run_id, results_dir, overrides, sim_set,
          num_workers, max_failure_ratio, prometheus, model_profile, **gke):
    """Run a benchmark and print its analysis, as `pybench report RUN` does (stage table, verdict, insights, cost).

    Exits 1 when the run is invalid (no successes, too many failures, the load generator fell behind, or
    inference-perf failed); the reports are kept either way.

    \b
    Example:
      pybench bench --target local --scenario demo --accelerator nvidia-h100-80gb
      pybench bench --target local --scenario chat --prometheus
      pybench bench --endpoint http://127.0.0.1:8000 --tokenizer ./tok --set load.num_workers=2
      pybench bench --target gke --endpoint http://vllm.bench.svc.cluster.local:8000 --model google/gemma-3-4b-it
    """
    from pathlib import Path

    if target == "gke":
        if prometheus:
            raise click.ClickException("--prometheus starts a Prometheus server here, for --target local; "
                                       "in a cluster use Google Managed Prometheus.")
        bench_gke(scenario, accelerator, model, endpoint, tokenizer, run_id, results_dir, overrides,
                  max_failure_ratio, {**gke, "num_workers": num_workers, "sim_set": sim_set})
        return
    from pybench.local import LocalBench, run_local

    _reject_cluster_flags(gke)
    outcome = run_local(LocalBench(
        scenario=scenario, accelerator=accelerator, model=model, endpoint=endpoint, tokenizer=tokenizer,
        run_id=run_id, results_dir=Path(results_dir), overrides=list(overrides),
        sim_overrides=parse_pairs(sim_set, "--sim-set"), num_workers=num_workers, max_failure_ratio=max_failure_ratio,
        prometheus=prometheus, model_profile=model_profile,
    ))
    finish(outcome.run_dir, outcome.verdict, outcome.result)


def _reject_cluster_flags(gke_options: dict) -> None:
    """Flags that only mean something for --target gke would be silently ignored by a local run: say so."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    given = [p.opts[0] for p in ctx.command.params
             if p.name in gke_options and ctx.get_parameter_source(p.name) == ParameterSource.COMMANDLINE]
    if given:
        raise click.ClickException(f"{', '.join(given)}: for --target gke only; add --target gke or leave "
                                   f"{'it' if len(given) == 1 else 'them'} out.")


def _analysis_options(command, results_dir: bool = True):
    """Options shared by `report` and `compare` (run-vs-run)."""
    options = [
        click.option("--results-dir", envvar="PYBENCH_RESULTS", default="results", show_default=True,
                     type=click.Path(), help="Where run ids are looked up."),
    ] if results_dir else []
    options += [
        click.option("--slo", metavar="SPEC",
                     help="Service-level objectives, e.g. ttft_p95=500ms,tpot_p95=50ms (metrics ttft, tpot, itl, "
                          "ntpot, e2e; pNN, mean, median, max): highest rate meeting them and goodput per stage."),
        click.option("--html", "html_path", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Also write a self-contained HTML report with plots (opens offline)."),
        click.option("--prices", type=click.Path(dir_okay=False), metavar="FILE",
                     help="YAML/JSON of USD per accelerator-hour laid over the packaged price table."),
        click.option("--accelerators-count", type=click.IntRange(min=1),
                     help="Accelerators serving the model, for cost [default: run.json's, else 1]."),
        click.option("--warmup", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
                     help="Leave out requests sent in each stage's first SECONDS (needs per-request data)."),
        click.option("--per-request/--no-per-request", default=True, show_default=True,
                     help="Recompute exact percentiles from per_request_lifecycle_metrics.json when present."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _slo_spec(slo):
    if slo is None:
        return None
    from pybench.analysis.slo import SloError, parse_slos

    try:
        parse_slos(slo)
    except SloError as e:
        raise click.BadParameter(str(e), param_hint="--slo") from None
    return slo


_analysis_format_option = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]),
                                      default="table", show_default=True, help="Output format.")


@main.command()
@click.argument("runs", nargs=-1, required=True, metavar="RUN...")
@_analysis_options
@_analysis_format_option
def report(runs, results_dir, slo, html_path, prices, accelerators_count, warmup, per_request, fmt):
    """Analyse existing runs: per-stage metrics, verdict, insights, SLO capacity, goodput and cost.

    Exits 1 when a run is invalid (its figures are printed anyway).

    \b
    Example:
      pybench report results/20261204-101500-demo-nvidia-l4-1a2b
      pybench report RUN --slo ttft_p95=500ms,tpot_p95=50ms --html report.html
      pybench report RUN_A RUN_B --format json --warmup 5 --prices my-prices.yaml
    """
    from pybench.analysis import commands

    req = commands.Request(runs=list(runs), results_dir=results_dir, slo=_slo_spec(slo), fmt=fmt, html=html_path,
                           prices=prices, warmup_s=warmup, accelerators_count=accelerators_count,
                           per_request=per_request)
    text = commands.report(req, stdout_console())
    if text is not None:
        click.echo(text)
    if req.invalid:
        raise click.ClickException(f"run {', '.join(req.invalid)} is invalid (see the verdict).")


@main.command()
@click.argument("runs", nargs=-1, required=True, metavar="RUN...")
@click.option("--giq", is_flag=True, help="Compare each run with GKE Inference Quickstart's published benchmark.")
@click.option("--stat", type=click.Choice(["p50", "mean", "p90", "p95", "p99"]), default="p50", show_default=True,
              help="Measured latency statistic set beside GIQ's figures.")
@click.option("--match", type=click.Choice(["interpolate", "nearest"]), default="interpolate", show_default=True,
              help="Read the published curve at each stage's achieved rate by interpolation or at the nearest rate.")
@click.option("--model", help="Model, when run.json does not say.")
@click.option("--model-server", help="Model server, when run.json does not say (e.g. vllm).")
@click.option("--model-server-version", help="Model server version (default: run.json's, else GIQ's latest).")
@click.option("--accelerator", help="Accelerator, when run.json's is not the one to compare with.")
@click.option("--instance-type", help="Machine type of the published profile (e.g. g2-standard-24).")
@click.option("--results-dir", envvar="PYBENCH_RESULTS", default="results", show_default=True, type=click.Path(),
              help="Where run ids are looked up.")
@_analysis_format_option
@click.option("--noise-threshold", type=click.FloatRange(min=0), default=0.10, show_default=True,
              help="Without per-request samples, a difference counts as real above this share of the baseline.")
@functools.partial(_analysis_options, results_dir=False)
def compare(runs, giq, stat, match, model, model_server, model_server_version, accelerator, instance_type,
            results_dir, fmt, noise_threshold, slo, html_path, prices, accelerators_count, warmup, per_request):
    """Compare runs with each other, or with GKE Inference Quickstart's published figures (--giq).

    Without --giq, the runs' stages (matched by requested rate) sit side by side with deltas against the first run;
    a delta is called better/worse only when it is larger than run-to-run noise: 95% confidence intervals from
    per-request samples when both runs have them, else --noise-threshold.

    With --giq, each stage's TTFT and NTPOT (measured --stat) and output tokens/s sit beside GIQ's figures for the
    run's model, model server and accelerator at the stage's achieved request rate, with the differences.

    \b
    Example:
      pybench compare results/20261204-101500-sweep-nvidia-l4 --giq --model-server vllm
      pybench compare RUN_A RUN_B --slo ttft_p95=500ms --html compare.html
    """
    if giq:
        if fmt == "markdown":
            raise click.BadParameter("markdown is not available with --giq; use table, json or csv.",
                                     param_hint="--format")
        from pybench.quickstart import views
        from pybench.quickstart.client import Giq
        from pybench.quickstart.compare import compare_runs_with_giq

        comparisons = compare_runs_with_giq(runs, Giq.from_env(), stat, match, results_dir, model=model,
                                            model_server=model_server, model_server_version=model_server_version,
                                            accelerator=accelerator, instance_type=instance_type)
        views.show_comparisons(comparisons, fmt)
        return
    from pybench.analysis import commands

    if len(runs) < 2:
        raise click.UsageError("Comparing runs needs at least two runs (or --giq to compare one with GKE "
                               "Inference Quickstart).")
    req = commands.Request(runs=list(runs), results_dir=results_dir, slo=_slo_spec(slo), fmt=fmt, html=html_path,
                           prices=prices, warmup_s=warmup, accelerators_count=accelerators_count,
                           per_request=per_request, noise_threshold=noise_threshold)
    text = commands.compare(req, stdout_console())
    if text is not None:
        click.echo(text)


@main.command("sim")
@click.option("--accelerator", envvar="ACCELERATOR", default="nvidia-l4", show_default=True,
              help="Accelerator profile of the latency model (a GKE accelerator name).")
@click.option("--model", envvar="MODEL_ID", default=None, help="Model id to serve [default: pybench/sim-llama-3.1-8b].")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0: any free port).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Override a profile parameter, e.g. ttft_ms=200 or max_num_seqs=64 (repeatable).")
@click.option("--model-profile", type=MODEL_PROFILES, default="llama-3.1-8b", show_default=True,
              help="Latency model: the model the simulator behaves like.")
@click.option("--trace", type=click.Path(dir_okay=False), help="Append every request's true server-side times "
              "(JSONL) to this file; also served at /debug/requests.")
def sim(accelerator: str, model: str | None, host: str, port: int, assignments: tuple[str, ...], model_profile: str,
        trace: str | None) -> None:
    """Serve the built-in vLLM-compatible simulator until Ctrl-C.

    It answers /v1/completions and /v1/chat/completions (streaming or not), /v1/models, /health and /metrics (vLLM's
    names), with latencies from a model of vLLM's scheduler (continuous batching, chunked prefill, paged KV cache
    with preemption and prefix caching) on the accelerator.

    \b
    Example:
      pybench sim --accelerator nvidia-h100-80gb --port 8000 --set max_num_seqs=64
      pybench sim --accelerator nvidia-h200-141gb --model-profile llama-3.1-70b --trace truth.jsonl
    """
    from pathlib import Path

    from pybench.accelerators import get_accelerator
    from pybench.simulator import serve
    from pybench.simulator.profiles import parse_assignments

    get_accelerator(accelerator)
    serve(accelerator, model=model, overrides=parse_assignments(assignments), host=host, port=port,
          on_ready=lambda url: click.echo(f"pybench-sim listening on {url} (accelerator {accelerator})"),
          model_profile=model_profile, trace=Path(trace) if trace else None)
