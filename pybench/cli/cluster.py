"""Cluster commands: `config`, `runs`, `collect`, `logs`, `cancel` and `serve`, and the options and body of
`bench --target gke` (the `bench` command itself is in run.py)."""

from typing import Any

import click

from pybench.cli.base import CONTEXT_SETTINGS, INTERRUPTED_EXIT, finish, main, stderr_console, stdout_console


def cluster_options(command, results_dir: bool = True):
    """Where the runs live; each falls back to the environment, then `pybench bootstrap`'s outputs."""
    options = [
        click.option("--namespace", help="Namespace of the Jobs [env NAMESPACE; bootstrap; default pybench]."),
        click.option("--bucket", help="Results bucket [env BUCKET; bootstrap]."),
        click.option("--project", "project_id", help="Google Cloud project [env PROJECT_ID; bootstrap]."),
        click.option("--region", help="Cluster location [env REGION; bootstrap]."),
        click.option("--cluster", "cluster_name",
                     help="GKE cluster; picks the kubeconfig context gke_PROJECT_REGION_CLUSTER "
                          "[env CLUSTER; bootstrap]."),
    ]
    if results_dir:
        options.append(click.option("--results-dir",
                                    help="Local folder of runs [env PYBENCH_RESULTS; default results]."))
    for option in reversed(options):
        command = option(command)
    return command


def gke_bench_options(command):
    """The options `bench` takes for --target gke only."""
    command = cluster_options(command, results_dir=False)  # bench has its own --results-dir
    options = [
        click.option("--ksa", help="[gke] Kubernetes service account of the Job [env KSA; bootstrap]."),
        click.option("--image", envvar="PYBENCH_IMAGE",
                     help="[gke] inference-perf image [env PYBENCH_IMAGE; default "
                          "quay.io/inference-perf/inference-perf:v0.7.0]."),
        click.option("--job-cpu", type=click.IntRange(min=1), default=4, show_default=True,
                     help="[gke] CPUs of the Job's pod (request = limit); also inference-perf's load.num_workers."),
        click.option("--job-memory", default="8Gi", show_default=True, help="[gke] Memory of the Job's pod."),
        click.option("--hf-secret", envvar="HF_TOKEN_SECRET", metavar="NAME[:KEY]",
                     help="[gke] Secret holding a Hugging Face token, passed as HF_TOKEN (key default: token) "
                          "[env HF_TOKEN_SECRET]."),
        click.option("--dry-run", is_flag=True, help="[gke] Print the rendered ConfigMap and Job; create nothing."),
        click.option("--render-to", type=click.Path(file_okay=False), metavar="DIR",
                     help="[gke] Write the manifests to DIR/<run-id>/ (GitOps) instead of applying them."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _target(namespace=None, bucket=None, project_id=None, region=None, cluster_name=None, results_dir=None,
            ksa=None):
    from pybench.gke import cluster_target

    return cluster_target(namespace=namespace, bucket=bucket, service_account=ksa, project=project_id,
                          region=region, cluster_name=cluster_name, results_dir=results_dir)


def bench_gke(scenario: str, accelerator: str, model: str | None, endpoint: str | None, tokenizer: str | None,
              run_id: str | None, results_dir: str, overrides: tuple[str, ...], max_failure_ratio: float,
              gke: dict[str, Any]) -> None:
    """`bench --target gke`: render the run (--dry-run, --render-to), or launch, follow and collect it."""
    from pathlib import Path

    from pybench.gke import GkeBench, prepare, render_to, run_gke

    if gke.get("num_workers"):
        raise click.UsageError("--num-workers does not apply to --target gke: inference-perf gets one worker per CPU "
                               "of its pod; set --job-cpu.")
    if gke.get("sim_set"):
        raise click.UsageError("--sim-set is for the local simulator; --target gke benchmarks --endpoint.")
    bench = GkeBench(
        target=_target(gke["namespace"], gke["bucket"], gke["project_id"], gke["region"], gke["cluster_name"],
                       results_dir, gke["ksa"]),
        scenario=scenario, accelerator=accelerator, model=model, endpoint=endpoint, tokenizer=tokenizer,
        run_id=run_id, overrides=list(overrides), image=gke["image"], cpu=gke["job_cpu"], memory=gke["job_memory"],
        hf_token_secret=gke["hf_secret"], max_failure_ratio=max_failure_ratio,
    )
    if gke["render_to"]:
        for path in render_to(prepare(bench), Path(gke["render_to"])):
            click.echo(f"wrote {path}")
    elif gke["dry_run"]:
        click.echo(prepare(bench).manifests, nl=False)
    else:
        finished = run_gke(bench, stderr_console())
        if finished is None:
            raise click.exceptions.Exit(INTERRUPTED_EXIT)
        finish(finished.run_dir, finished.verdict, finished.result)


@main.command(context_settings=CONTEXT_SETTINGS)
@cluster_options
@click.option("--ksa", help="Kubernetes service account of the Jobs [env KSA; bootstrap].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def config(namespace, bucket, project_id, region, cluster_name, results_dir, ksa, as_json):
    """Show every setting, its value and where it came from (flag, environment, bootstrap outputs, default).

    \b
    Example:
      pybench config
      BUCKET=my-results pybench config --json
    """
    from pybench.gke_views import show_config

    flags = {"namespace": namespace, "bucket": bucket, "project_id": project_id, "region": region,
             "cluster": cluster_name, "results_dir": results_dir, "ksa": ksa}
    show_config(flags, stdout_console(), as_json)


@main.command(context_settings=CONTEXT_SETTINGS)
@cluster_options
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True, help="Newest runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (run.json of each run) instead of a table.")
def runs(namespace, bucket, project_id, region, cluster_name, results_dir, limit, as_json):
    """List the runs in the results bucket (gs://BUCKET/runs/) with their run.json metadata.

    \b
    Example:
      pybench runs --limit 10
    """
    from pybench.gke_runs import list_runs
    from pybench.gke_views import show_runs

    target = _target(namespace, bucket, project_id, region, cluster_name, results_dir)
    show_runs(list_runs(target, limit), target, stdout_console(), as_json)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("run_id")
@cluster_options
@click.option("--no-wait", is_flag=True, help="Fail instead of following a run that is still going.")
def collect(run_id, namespace, bucket, project_id, region, cluster_name, results_dir, no_wait):
    """Download a cluster run's reports into results/RUN_ID/ and print its table and verdict.

    A run that is still going is followed to its end first. A run that stopped early (some stages only) still
    reports what it has, and is marked invalid.

    \b
    Example:
      pybench collect 20261204-101500-demo-nvidia-l4-1a2b
    """
    from pybench.gke_runs import collect as collect_run

    target = _target(namespace, bucket, project_id, region, cluster_name, results_dir)
    finished = collect_run(target, run_id, stderr_console(), wait=not no_wait)
    if finished is None:
        raise click.exceptions.Exit(INTERRUPTED_EXIT)
    finish(finished.run_dir, finished.verdict, finished.result)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("run_id")
@cluster_options
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until the pod ends.")
@click.option("--tail", type=click.IntRange(min=1), help="Only the last N lines.")
def logs(run_id, namespace, bucket, project_id, region, cluster_name, results_dir, follow, tail):
    """Print a cluster run's inference-perf log: from its pod while it exists, else the copy pybench saved.

    \b
    Example:
      pybench logs 20261204-101500-demo-nvidia-l4-1a2b --tail 50
    """
    from pybench.gke_runs import logs as run_logs

    target = _target(namespace, bucket, project_id, region, cluster_name, results_dir)
    run_logs(target, run_id, click.echo, stderr_console(), follow=follow, tail=tail)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("run_id")
@cluster_options
def cancel(run_id, namespace, bucket, project_id, region, cluster_name, results_dir):
    """Stop a cluster run: delete its Job (the pod goes with it) and ConfigMap, and mark it cancelled.

    \b
    Example:
      pybench cancel 20261204-101500-demo-nvidia-l4-1a2b
    """
    from pybench.gke_runs import cancel as cancel_run

    target = _target(namespace, bucket, project_id, region, cluster_name, results_dir)
    for name in cancel_run(target, run_id, stderr_console()):
        click.echo(f"deleted {name}")


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option("--accelerator", envvar="ACCELERATOR", default="nvidia-l4", show_default=True,
              help="GKE accelerator of the server [env ACCELERATOR].")
@click.option("--model", envvar="MODEL_ID", required=True, help="Hugging Face model id to serve [env MODEL_ID].")
@click.option("--namespace", help="Namespace [env NAMESPACE; bootstrap; default pybench].")
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Accelerators per server (GPUs, or TPU chips of the slice); also the tensor-parallel size.")
@click.option("--name", help="Name of the Deployment/Service (default: vllm-ACCELERATOR-MODEL).")
@click.option("--image", help="vLLM image (default: a pinned vllm/vllm-openai or vllm/vllm-tpu release).")
@click.option("--render-to", type=click.Path(file_okay=False), metavar="DIR", help="Write DIR/<name>.yaml.")
@click.option("--apply", "apply_", is_flag=True, help="Apply to the cluster and wait until the server is ready.")
def serve(accelerator, model, namespace, count, name, image, render_to, apply_):
    """Render an example vLLM server (Deployment, Service, PodMonitoring, NetworkPolicy) for a GPU or TPU.

    Prints the manifests (or writes them, or applies them), then the --endpoint to benchmark it with. Gated models
    read a Hugging Face token from the Secret hf-token (key token) when it exists.

    \b
    Example:
      pybench serve --accelerator nvidia-l4 --model google/gemma-3-4b-it --apply
      pybench serve --accelerator tpu-v6e-slice --count 4 --model meta-llama/Llama-3.1-8B-Instruct --render-to k8s
    """
    from pybench.serve import serve_example

    serve_example(accelerator, model, namespace, count, name, image, render_to, apply_, click.echo, stderr_console())
