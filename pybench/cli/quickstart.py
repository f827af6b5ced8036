"""GKE Inference Quickstart: the `profiles` group (pybench/quickstart/ does the work; `compare --giq` is in run.py)."""

import click

from pybench.cli.base import CONTEXT_SETTINGS, INTERRUPTED_EXIT, main

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
    from pybench.quickstart import views
    from pybench.quickstart.client import published_benchmarks

    data = published_benchmarks(_giq(), model, model_server, model_server_version, instance_type, pricing_model)
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

    from pybench.quickstart.manifests import write_manifests

    ms = _giq().manifest(model, model_server, accelerator, namespace, target_ttft_ms, target_ntpot_ms,
                         model_server_version)
    written = write_manifests(ms, Path(output_dir))
    click.echo(f"Wrote {len(written.files)} manifests and GIQ's comments to {written.directory}/")
    for comment in ms.comments:
        click.echo(f"  GIQ: {comment}")
    if apply_:
        from pybench.quickstart import deploy, views

        if not deploy.apply_and_wait(ms, namespace, context, timeout, on_applied=lambda line: click.echo(f"  {line}"),
                                     follow=views.rollout_progress):
            click.echo("Stopped following; the Deployment keeps rolling out (kubectl rollout status shows it).",
                       err=True)
            raise SystemExit(INTERRUPTED_EXIT)
        click.echo("Deployment ready.")
    if written.endpoint:
        click.echo(f"Endpoint: {written.endpoint}")
        click.echo(f"  pybench bench --target gke --endpoint {written.endpoint} --model {model} "
                   f"--accelerator {accelerator}")
