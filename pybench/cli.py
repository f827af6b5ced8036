"""The `pybench` command line. Each command parses its options, calls one library function and turns a
PybenchError into one line on stderr with exit code 1. Heavy libraries are imported inside commands so that
`pybench --help` stays fast."""

import functools

import click

from pybench.cli_gke import bench_gke, gke_bench_options, register
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
    """Tables are wide: when stdout is a file or pipe, do not squeeze them into 80 columns."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=160)


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
@click.option("--prometheus", is_flag=True,
              help="Local: run a Prometheus server (Debian package prometheus) scraping the model server, so "
                   "inference-perf reports server-side metrics.")
@click.option("--model-profile", type=click.Choice(["llama-3.1-8b", "llama-3.1-70b"]), default="llama-3.1-8b",
              show_default=True, help="Local simulator's latency model (without --endpoint).")
@gke_bench_options
def bench(target, scenario, accelerator, model, endpoint, tokenizer, run_id, results_dir, overrides, sim_set,
          num_workers, max_failure_ratio, prometheus, model_profile, **gke):
    """Run a benchmark and print the per-stage table.

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

    from pybench.local import LocalBench, run_local

    if target == "gke":
        if prometheus:
            raise click.ClickException("--prometheus starts a Prometheus server here, for --target local; "
                                       "in a cluster use Google Managed Prometheus.")
        outcome = bench_gke(scenario, accelerator, model, endpoint, tokenizer, run_id, results_dir, overrides,
                            max_failure_ratio, {**gke, "num_workers": num_workers, "sim_set": sim_set})
        if outcome is not None:
            _finish(*outcome)
        return
    outcome = run_local(LocalBench(
        scenario=scenario, accelerator=accelerator, model=model, endpoint=endpoint, tokenizer=tokenizer,
        run_id=run_id, results_dir=Path(results_dir), overrides=list(overrides),
        sim_overrides=_parse_pairs(sim_set, "--sim-set"), num_workers=num_workers, max_failure_ratio=max_failure_ratio,
        prometheus=prometheus, model_profile=model_profile,
    ))
    _finish(outcome.result, outcome.verdict, outcome.run_dir)


def _finish(result, verdict, run_dir) -> None:
    from pybench.views import print_result

    if result is not None:
        print_result(result, verdict, _console())
    if not verdict.valid:
        raise click.ClickException(f"run {run_dir.name} is invalid: {'; '.join(verdict.reasons)}.")


def _analysis_options(command, results_dir: bool = True):
    """Options shared by `report` and `compare` (run-vs-run)."""
    options = [
        click.option("--results-dir", envvar="PYBENCH_RESULTS", default="results", show_default=True,
                     type=click.Path(), help="Where run ids are looked up."),
    ] if results_dir else []
    options += [
        click.option("--slo", metavar="SPEC", help="Service-level objectives, e.g. ttft_p95=500ms,tpot_p95=50ms "
                     "(metrics ttft, tpot, itl, ntpot, e2e; pNN, mean, median, max): highest rate meeting them "
                     "and goodput per stage."),
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
    text = commands.report(req, _console())
    if text is not None:
        click.echo(text)
    if req.invalid:
        raise click.ClickException(f"run {', '.join(req.invalid)} is invalid (see the verdict).")


# --- GKE Inference Quickstart: `pybench profiles ...` and `pybench compare RUN --giq` (pybench/quickstart/) ---

_format_option = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                              show_default=True, help="Output format.")
_ttft_option = click.option("--target-ttft-ms", type=click.IntRange(min=1), help="Time-to-first-token target (ms).")
_ntpot_option = click.option("--target-ntpot-ms", type=click.IntRange(min=1),
                             help="Normalized time per output token target (ms): request latency / output tokens.")
_pricing_option = click.option("--pricing-model", type=click.Choice(["spot", "on-demand", "1-year-cud", "3-years-cud"]),
                               default="spot", show_default=True, help="Prices the costs are given at.")


def _giq():
    from pybench.quickstart.client import Giq

    return Giq.from_env()


@main.group(context_settings=CONTEXT_SETTINGS)
def profiles() -> None:
    """GKE Inference Quickstart: validated profiles, published benchmarks and optimized manifests.

    Uses gkerecommender.googleapis.com with your application-default credentials; PYBENCH_GIQ_ENDPOINT points it
    at another endpoint.

    \b
    Example:
      pybench profiles list --model meta-llama/Llama-3.1-8B-Instruct --target-ntpot-ms 50
    """


@profiles.command("models")
@click.option("--model", help="Show the model servers and versions for this model instead.")
@_format_option
def profiles_models(model, fmt):
    """List the models GKE Inference Quickstart has profiles for.

    \b
    Example:
      pybench profiles models
      pybench profiles models --model google/gemma-3-27b-it
    """
    from pybench.quickstart import views

    giq = _giq()
    if model:
        views.show_model_servers(model, giq.model_servers(model), fmt)
    else:
        views.show_models(giq.models(), fmt)


@profiles.command("list")
@click.option("--model", help="Only this model (Hugging Face id, e.g. meta-llama/Llama-3.1-8B-Instruct).")
@click.option("--model-server", help="Only this model server (e.g. vllm).")
@click.option("--model-server-version", help="Only this model server version.")
@_ttft_option
@_ntpot_option
@_pricing_option
@_format_option
def profiles_list(model, model_server, model_server_version, target_ttft_ms, target_ntpot_ms, pricing_model, fmt):
    """List profiles (model, server, accelerator) and the best throughput each reaches within the targets.

    \b
    Example:
      pybench profiles list --model meta-llama/Llama-3.1-8B-Instruct --target-ttft-ms 500 --pricing-model on-demand
    """
    from pybench.quickstart import views

    plist = _giq().profiles(model, model_server, model_server_version, target_ttft_ms, target_ntpot_ms)
    views.show_profiles(plist, fmt, pricing_model, target_ttft_ms, target_ntpot_ms)


@profiles.command("benchmarks")
@click.option("--model", required=True, help="Model (Hugging Face id).")
@click.option("--model-server", required=True, help="Model server (e.g. vllm).")
@click.option("--model-server-version", help="Model server version (default: the latest).")
@click.option("--instance-type", help="Only this machine type (e.g. g2-standard-24).")
@_pricing_option
@_format_option
def profiles_benchmarks(model, model_server, model_server_version, instance_type, pricing_model, fmt):
    """Show GIQ's published benchmark: TTFT, NTPOT, output tokens/s and cost at each request rate.

    \b
    Example:
      pybench profiles benchmarks --model meta-llama/Llama-3.1-8B-Instruct --model-server vllm --format csv
    """
    from pybench.errors import NoProfile
    from pybench.quickstart import views

    giq = _giq()
    data = giq.benchmarks(model, model_server, model_server_version, instance_type, pricing_model)
    if not data:
        from pybench.quickstart.client import no_profile_message

        if instance_type:
            have = sorted({p.instance_type for p in giq.benchmarks(model, model_server, model_server_version)})
            raise NoProfile(f"GKE Inference Quickstart has no benchmark for {model} on {model_server} with "
                            f"{instance_type}; instance types with one: {', '.join(have) or 'none'}.")
        raise NoProfile(no_profile_message(model, model_server, "any accelerator", [], giq))
    views.show_benchmarks(data, fmt, pricing_model)


@profiles.command("manifest")
@click.option("--model", required=True, help="Model (Hugging Face id).")
@click.option("--model-server", required=True, help="Model server (e.g. vllm).")
@click.option("--model-server-version", help="Model server version (default: the latest).")
@click.option("--accelerator", envvar="ACCELERATOR", required=True, help="GKE accelerator [env ACCELERATOR].")
@click.option("--namespace", help="Kubernetes namespace for the manifests (default: GIQ's, i.e. default).")
@_ttft_option
@_ntpot_option
@click.option("--output-dir", type=click.Path(file_okay=False), default="manifests/generated", show_default=True,
              help="Folder that receives <model>-<accelerator>/.")
@click.option("--apply", "apply_", is_flag=True, help="Apply them to the current kubectl context and wait until ready.")
@click.option("--context", help="kubeconfig context to apply to (default: the current one).")
@click.option("--timeout", type=click.IntRange(min=1), default=1800, show_default=True,
              help="Seconds to wait for the Deployment to become ready.")
def profiles_manifest(model, model_server, model_server_version, accelerator, namespace, target_ttft_ms,
                      target_ntpot_ms, output_dir, apply_, context, timeout):
    """Write GIQ's optimized manifests (and its comments) to a folder; optionally apply them and wait.

    With targets, GIQ adds a HorizontalPodAutoscaler that keeps them. Prints the endpoint URL to give to
    `pybench bench --endpoint`.

    \b
    Example:
      pybench profiles manifest --model meta-llama/Llama-3.1-8B-Instruct --model-server vllm \\
        --accelerator nvidia-l4 --namespace bench --apply
    """
    from pathlib import Path

    from pybench.quickstart.manifests import documents, write_manifests

    ms = _giq().manifest(model, model_server, accelerator, namespace, target_ttft_ms, target_ntpot_ms,
                         model_server_version)
    written = write_manifests(ms, Path(output_dir))
    click.echo(f"Wrote {len(written.files)} manifests and GIQ's comments to {written.directory}/")
    for comment in ms.comments:
        click.echo(f"  GIQ: {comment}")
    if apply_:
        from pybench.quickstart import deploy, views

        api = deploy.kube_client(context)
        docs = documents(ms)
        for line in deploy.apply_documents(api, docs, namespace):
            click.echo(f"  {line}")
        try:
            with views.rollout_progress() as on_update:
                deploy.wait_for_deployments(api, deploy.deployments_in(docs, namespace), timeout, on_update)
        except KeyboardInterrupt:
            click.echo("Stopped following; the Deployment keeps rolling out (kubectl rollout status shows it).",
                       err=True)
            raise SystemExit(130) from None
        click.echo("Deployment ready.")
    if written.endpoint:
        click.echo(f"Endpoint: {written.endpoint}")
        click.echo(f"  pybench bench --target gke --endpoint {written.endpoint} --model {model} "
                   f"--accelerator {accelerator}")


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
    from pathlib import Path

    if not giq:
        from pybench.analysis import commands

        if len(runs) < 2:
            raise click.UsageError("Comparing runs needs at least two runs (or --giq to compare one with GKE "
                                   "Inference Quickstart).")
        req = commands.Request(runs=list(runs), results_dir=results_dir, slo=_slo_spec(slo), fmt=fmt, html=html_path,
                               prices=prices, warmup_s=warmup, accelerators_count=accelerators_count,
                               per_request=per_request, noise_threshold=noise_threshold)
        text = commands.compare(req, _console())
        if text is not None:
            click.echo(text)
        return
    if fmt == "markdown":
        raise click.BadParameter("markdown is not available with --giq; use table, json or csv.", param_hint="--format")
    from pybench.quickstart import views
    from pybench.quickstart.compare import compare_with_giq
    from pybench.reports import load_run

    client = _giq()
    results = []
    for run in runs:
        path = Path(run)
        if not path.is_dir() and (Path(results_dir) / run).is_dir():
            path = Path(results_dir) / run
        results.append(compare_with_giq(load_run(path), client, stat, match, model=model, model_server=model_server,
                                        model_server_version=model_server_version, accelerator=accelerator,
                                        instance_type=instance_type))
    views.show_comparisons(results, fmt)


@main.command("sim")
@click.option("--accelerator", envvar="ACCELERATOR", default="nvidia-l4", show_default=True,
              help="Accelerator profile of the latency model (a GKE accelerator name).")
@click.option("--model", envvar="MODEL_ID", default=None, help="Model id to serve [default: pybench/sim-llama-3.1-8b].")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0: any free port).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Override a profile parameter, e.g. ttft_ms=200 or max_num_seqs=64 (repeatable).")
@click.option("--model-profile", type=click.Choice(["llama-3.1-8b", "llama-3.1-70b"]), default="llama-3.1-8b",
              show_default=True, help="Latency model: the model the simulator behaves like.")
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


@main.command()
@click.option("--project-id", help="Google Cloud project of the cluster [env PROJECT_ID].")
@click.option("--region", help="Cluster location, a region or a zone [env REGION].")
@click.option("--cluster", help="Existing GKE cluster with Workload Identity [env CLUSTER].")
@click.option("--namespace", help="Namespace for the benchmark Jobs [env NAMESPACE; default: pybench].")
@click.option("--ksa", help="Kubernetes service account of the Jobs [env KSA; default: pybench].")
@click.option("--bucket", help="Results bucket [env BUCKET; default: PROJECT_ID-pybench-results].")
@click.option("--accelerator", help="GKE accelerator of the node pool and node selector [env ACCELERATOR; "
              "default: nvidia-l4].")
@click.option("--accelerator-count", envvar="ACCELERATOR_COUNT", type=click.IntRange(min=1), default=1,
              show_default=True, help="Accelerator chips per node [env ACCELERATOR_COUNT].")
@click.option("--node-pool/--no-node-pool", envvar="NODE_POOL", default=False, show_default=True,
              help="Create an accelerator node pool [env NODE_POOL=true].")
@click.option("--provisioning", envvar="PROVISIONING", default="on-demand", show_default=True,
              type=click.Choice(["on-demand", "spot", "reservation", "queued"]),
              help="Node pool capacity; queued is DWS flex-start [env PROVISIONING].")
@click.option("--reservation", envvar="RESERVATION", help="Reservation for --provisioning reservation.")
@click.option("--hf-token-secret", envvar="HF_TOKEN_SECRET",
              help="Secret Manager secret with a Hugging Face token the Job may read [env HF_TOKEN_SECRET].")
@click.option("--state-bucket", envvar="TF_STATE_BUCKET",
              help="GCS bucket for shared Terraform state [env TF_STATE_BUCKET; default: local state].")
@click.option("--plan", "plan_only", is_flag=True, help="Show what would change and apply nothing.")
def bootstrap(project_id, region, cluster, namespace, ksa, bucket, accelerator, accelerator_count, node_pool,
              provisioning, reservation, hf_token_secret, state_bucket, plan_only):
    """Provision what benchmarks need on an existing GKE cluster, with Terraform.

    Creates the results bucket, the namespace and service account of the inference-perf Job with Workload Identity
    grants, and optionally an accelerator node pool. Terraform's output is shown as it runs; the outputs are saved
    to .pybench/bootstrap.json, where `pybench bench --target gke` finds them. Running it again converges.

    \b
    Example:
      pybench bootstrap --project-id my-project --region us-central1 --cluster bench \\
        --accelerator nvidia-l4 --node-pool
    """
    from pybench.settings import resolve
    from pybench.terraform import BootstrapConfig, TerraformDriver, require_settings

    project_id = resolve("project_id", project_id).value
    region = resolve("region", region).value
    cluster = resolve("cluster", cluster).value
    require_settings(project_id, region, cluster)
    config = BootstrapConfig(
        project_id=project_id, location=region, cluster_name=cluster,
        namespace=resolve("namespace", namespace).value, ksa_name=resolve("ksa", ksa).value or "pybench",
        bucket_name=resolve("bucket", bucket).value, hf_token_secret=hf_token_secret, node_pool=node_pool,
        accelerator=resolve("accelerator", accelerator).value, accelerator_count=accelerator_count,
        provisioning=provisioning, reservation_name=reservation,
    )
    config.check()
    driver = TerraformDriver(echo=click.echo)
    driver.init(state_bucket=state_bucket)
    if plan_only:
        changes = driver.plan(config)
        click.echo("Plan only: nothing was applied." if changes else "No changes: the infrastructure is up to date.")
        return
    outputs = driver.apply(config)
    from pybench.settings import bootstrap_outputs_path

    click.echo(f"Saved outputs to {bootstrap_outputs_path()}: bucket {outputs.get('bucket_name')}, namespace "
               f"{outputs.get('namespace')}, service account {outputs.get('ksa_name')}.")


@main.command()
@click.option("--delete-results", is_flag=True, help="Also delete the results bucket and every report in it.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before --delete-results deletes the reports.")
@click.option("--skip-cleanup", is_flag=True,
              help="Go on with terraform destroy when pybench's Jobs and ConfigMaps cannot be deleted (cluster "
                   "unreachable); they go with the namespace if bootstrap created it.")
@click.option("--project-id", help="Project, when .pybench/bootstrap.tfvars.json is missing [env PROJECT_ID].")
@click.option("--region", help="Cluster location, when the saved variables are missing [env REGION].")
@click.option("--cluster", help="Cluster, when the saved variables are missing [env CLUSTER].")
@click.option("--state-bucket", envvar="TF_STATE_BUCKET",
              help="GCS bucket of the shared Terraform state, as given to bootstrap [env TF_STATE_BUCKET].")
def destroy(delete_results, yes, skip_cleanup, project_id, region, cluster, state_bucket):
    """Remove what bootstrap made: pybench's Jobs and ConfigMaps first, then terraform destroy.

    The results bucket and its reports are kept unless --delete-results is given and confirmed (or --yes).
    When the cluster cannot be reached to delete the Jobs and ConfigMaps, destroy stops and says so; --skip-cleanup
    goes on without them.

    \b
    Example:
      pybench destroy
      pybench destroy --delete-results --yes
    """
    import json

    from pybench.cluster import ClusterUnreachable, delete_pybench_objects
    from pybench.settings import resolve
    from pybench.terraform import BootstrapConfig, TerraformDriver, require_settings, tfvars_path

    driver = TerraformDriver(echo=click.echo)
    if tfvars_path().is_file():
        tfvars = json.loads(tfvars_path().read_text())
    else:
        config = BootstrapConfig(project_id=resolve("project_id", project_id).value,
                                 location=resolve("region", region).value,
                                 cluster_name=resolve("cluster", cluster).value,
                                 namespace=resolve("namespace", None).value)
        require_settings(config.project_id, config.location, config.cluster_name)
        tfvars = config.tfvars()
        driver.write_tfvars(config)
    if delete_results and not yes:
        click.confirm("Delete the results bucket and every report in it?", abort=True)
    namespace = tfvars.get("namespace", "pybench")
    try:
        count = delete_pybench_objects(namespace)
        click.echo(f"Deleted {count} pybench Job(s) and ConfigMap(s) in namespace {namespace}.")
    except ClusterUnreachable as e:
        if not skip_cleanup:
            raise ClusterUnreachable(
                f"{e} pybench's Jobs and ConfigMaps in namespace {namespace} were not deleted, so nothing was "
                f"destroyed. Get cluster credentials (gcloud container clusters get-credentials "
                f"{tfvars.get('cluster_name')} --location {tfvars.get('location')}) or rerun with --skip-cleanup."
            ) from None
        click.echo(f"Warning: {e} Skipping the Job and ConfigMap cleanup (--skip-cleanup).", err=True)
    driver.init(state_bucket=state_bucket)
    result = driver.destroy(delete_results=delete_results)
    if result.kept_bucket:
        click.echo(f"Kept the results bucket {result.kept_bucket} and its reports; "
                   "`pybench destroy --delete-results` removes it.")
    else:
        click.echo("Destroyed everything pybench bootstrap made.")


register(main)  # config, runs, collect, logs, cancel, serve (pybench/cli_gke.py)
