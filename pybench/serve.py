"""`pybench serve`: an example vLLM server for the accelerator (manifests/servers/), printed, written or applied."""

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from pybench.render import ServerSpec, dump_manifests, render_server, server_endpoint
from pybench.settings import resolve


def serve_example(accelerator: str, model: str, namespace: str | None, count: int, name: str | None,
                  image: str | None, render_to: str | None, apply: bool, echo: Callable[[str], None],
                  console: Console) -> None:
    spec = ServerSpec(accelerator=accelerator, model=model, namespace=resolve("namespace", namespace).value,
                      accelerator_count=count, name=name, image=image)
    docs = render_server(spec)
    if render_to:
        path = Path(render_to) / f"{spec.resolved_name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_manifests(docs))
        echo(f"wrote {path}")
    elif apply:
        from pybench.quickstart.deploy import apply_documents, deployments_in, kube_client, wait_for_deployments

        api = kube_client()
        for line in apply_documents(api, docs, spec.namespace):
            echo(line)
        console.print("Waiting for the server to become ready (it downloads the model's weights first)...")
        wait_for_deployments(api, deployments_in(docs, spec.namespace),
                             on_update=lambda s: console.print(f"  {s.ready}/{s.desired} ready; {'; '.join(s.pods)}"))
    else:
        echo(dump_manifests(docs).rstrip("\n"))
    console.print(f"Benchmark it with: pybench bench --target gke --endpoint {server_endpoint(spec)} "
                  f"--model {model} --accelerator {accelerator}", soft_wrap=True)
