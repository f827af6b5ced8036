"""Infrastructure: `bootstrap` and `destroy`, the Terraform in terraform/ (pybench.terraform does the work)."""

import click

from pybench.cli.base import main


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
    from pybench import terraform

    config = terraform.BootstrapConfig.from_settings(
        project_id, region, cluster, namespace, ksa, bucket, accelerator, hf_token_secret=hf_token_secret,
        node_pool=node_pool, accelerator_count=accelerator_count, provisioning=provisioning,
        reservation_name=reservation,
    )
    result = terraform.bootstrap(config, state_bucket, plan_only, echo=click.echo)
    if not result.applied:
        click.echo("Plan only: nothing was applied." if result.changes else
                   "No changes: the infrastructure is up to date.")
        return
    outputs = result.outputs
    click.echo(f"Saved outputs to {result.outputs_path}: bucket {outputs.get('bucket_name')}, namespace "
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
    from pybench.terraform import destroy_all

    result = destroy_all(delete_results, skip_cleanup, state_bucket, project_id, region, cluster, echo=click.echo,
                         warn=lambda line: click.echo(line, err=True),
                         confirm=None if yes else lambda question: click.confirm(question, abort=True))
    if result.kept_bucket:
        click.echo(f"Kept the results bucket {result.kept_bucket} and its reports; "
                   "`pybench destroy --delete-results` removes it.")
    else:
        click.echo("Destroyed everything pybench bootstrap made.")
