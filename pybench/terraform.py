"""Drive the Terraform in terraform/ through python-terraform: init, plan, apply, outputs and destroy.

Terraform's standard output is streamed line by line to a callback as it runs; its standard error is kept, and a
failed command raises ToolError carrying Terraform's own message. python-terraform 0.10's destroy() adds `-force`,
which Terraform >= 0.15 rejects, so every command here is built with explicit flags through `Terraform.cmd`.

bootstrap() and destroy_all() are the `pybench bootstrap` and `pybench destroy` flows on top of TerraformDriver.

The variables of the last bootstrap are kept in the state folder (bootstrap.tfvars.json) so that destroy, run later,
addresses the same cluster. Destroy keeps the results bucket unless asked: it destroys every other module and
resource with `-target`, so the bucket stays in the state and a later bootstrap converges instead of colliding.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_terraform import IsFlagged, Terraform  # type: ignore[import-untyped]

from pybench.accelerators import get_accelerator
from pybench.errors import Cancelled, SettingsError, ToolError
from pybench.settings import bootstrap_outputs_path, resolve, state_dir

RESULTS_MODULE = "module.results"
INSTALL_HINT = (
    "terraform is not installed or not on PATH. Install Terraform >= 1.9 "
    "(https://developer.hashicorp.com/terraform/install), or set TERRAFORM=/path/to/terraform."
)
_BOX = re.compile(r"^[\s│╷╵]+")
Echo = Callable[[str], None]


def terraform_dir() -> Path:
    """The root module: PYBENCH_TERRAFORM_DIR, else terraform/ next to the pybench package, else ./terraform."""
    if os.environ.get("PYBENCH_TERRAFORM_DIR"):
        return Path(os.environ["PYBENCH_TERRAFORM_DIR"])
    beside = Path(__file__).resolve().parent.parent / "terraform"
    return beside if (beside / "main.tf").is_file() else Path("terraform")


def tfvars_path() -> Path:
    return state_dir() / "bootstrap.tfvars.json"


def require_settings(project_id: str | None, region: str | None, cluster: str | None) -> None:
    """Fail with one line naming every missing setting."""
    missing = [name for name, value in (("PROJECT_ID", project_id), ("REGION", region), ("CLUSTER", cluster))
               if not value]
    if missing:
        raise SettingsError(
            f"Missing {', '.join(missing)}: set {'it' if len(missing) == 1 else 'them'} in the environment or "
            "pass --project-id/--region/--cluster, e.g. make bootstrap PROJECT_ID=my-project REGION=us-central1 "
            "CLUSTER=my-cluster."
        )


@dataclass
class BootstrapConfig:
    """What `pybench bootstrap` asks Terraform for; each field is a variable of the root module."""

    project_id: str
    location: str
    cluster_name: str
    namespace: str = "pybench"
    ksa_name: str = "pybench"
    bucket_name: str | None = None
    hf_token_secret: str | None = None
    node_pool: bool = False
    accelerator: str = "nvidia-l4"
    accelerator_count: int = 1
    provisioning: str = "on-demand"
    reservation_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # any other root variable

    @classmethod
    def from_settings(cls, project_id: str | None = None, region: str | None = None, cluster: str | None = None,
                      namespace: str | None = None, ksa: str | None = None, bucket: str | None = None,
                      accelerator: str | None = None, **fields: Any) -> BootstrapConfig:
        """Each of the named settings from its flag (None when not given), else the environment, else the last
        bootstrap's outputs, else its default (`pybench config` shows them). Fails naming every missing one of
        PROJECT_ID, REGION and CLUSTER. fields: the other variables as they are (node_pool, provisioning, ...)."""
        project_id = resolve("project_id", project_id).value
        region = resolve("region", region).value
        cluster = resolve("cluster", cluster).value
        require_settings(project_id, region, cluster)
        return cls(project_id=project_id, location=region, cluster_name=cluster,
                   namespace=resolve("namespace", namespace).value, ksa_name=resolve("ksa", ksa).value or "pybench",
                   bucket_name=resolve("bucket", bucket).value, accelerator=resolve("accelerator", accelerator).value,
                   **fields)

    def check(self) -> None:
        require_settings(self.project_id, self.location, self.cluster_name)
        accelerator = get_accelerator(self.accelerator)
        if self.node_pool:
            accelerator.machine_type(self.accelerator_count)

    def tfvars(self) -> dict[str, Any]:
        values = {k: v for k, v in vars(self).items() if k != "extra"}
        values.update(self.extra)
        return {k: v for k, v in values.items() if v is not None}


def error_message(stderr: str) -> str:
    """Terraform's error text without the box drawing, blank lines dropped."""
    lines = [_BOX.sub("", line).rstrip() for line in stderr.splitlines()]
    return "\n".join(line for line in lines if line.strip()) or "no error output"


class _StreamingTerraform(Terraform):
    """python-terraform with stdout streamed to a callback while it runs, and an explicit environment."""

    def __init__(self, *, echo: Echo, env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.echo = echo
        self.env = env

    def read_state_file(self, file_path: str | None = None) -> None:  # pybench reads `terraform output -json` instead
        self.tfstate = None

    def cmd(self, cmd: str, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
        kwargs.pop("capture_output", None)
        stream = kwargs.pop("stream", True)
        argv = self.generate_cmd_string(cmd, *args, **kwargs)
        try:
            proc = subprocess.Popen(argv, cwd=self.working_dir, env=self.env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, bufsize=1)
        except FileNotFoundError:
            raise ToolError(INSTALL_HINT) from None
        err: list[str] = []
        reader = threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
        reader.start()
        out: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            if stream:
                self.echo(line.rstrip("\n"))
        code = proc.wait()
        reader.join()
        self.temp_var_files.clean_up()
        return code, "".join(out), "".join(err)


@dataclass
class DestroyResult:
    destroyed: list[str]  # addresses given to -target, or ["everything"]
    kept_bucket: str | None  # results bucket left in place, if any


class TerraformDriver:
    """One Terraform root module and pybench's state folder."""

    def __init__(self, working_dir: Path | str | None = None, *, binary: str | None = None,
                 echo: Echo | None = None, env: dict[str, str] | None = None) -> None:
        self.working_dir = Path(working_dir) if working_dir else terraform_dir()
        found = shutil.which(binary or os.environ.get("TERRAFORM") or "terraform")
        if not found:
            raise ToolError(INSTALL_HINT)
        if not (self.working_dir / "main.tf").is_file() and not list(self.working_dir.glob("*.tf")):
            raise ToolError(f"No Terraform configuration in {self.working_dir}; set PYBENCH_TERRAFORM_DIR.")
        self.binary = found
        self.echo = echo or (lambda line: None)
        self.tf = _StreamingTerraform(working_dir=str(self.working_dir), terraform_bin_path=found,
                                      echo=self.echo, env=self._environment(env))

    def _environment(self, env: dict[str, str] | None) -> dict[str, str]:
        merged = dict(os.environ if env is None else env)
        merged.setdefault("TF_IN_AUTOMATION", "1")
        merged["TF_INPUT"] = "0"
        rc = merged.get("TF_CLI_CONFIG_FILE")
        if not rc or not Path(rc).is_file():  # a missing CLI config earns a warning on every command
            ours = Path(__file__).resolve().parent.parent / "terraform" / "cli.tfrc"
            if ours.is_file():
                merged["TF_CLI_CONFIG_FILE"] = str(ours)
            else:
                merged.pop("TF_CLI_CONFIG_FILE", None)
        return merged

    def _run(self, what: str, cmd: str, *args: Any, ok: tuple[int, ...] = (0,), **options: Any) -> tuple[int, str]:
        options.setdefault("no_color", IsFlagged)
        code, out, err = self.tf.cmd(cmd, *args, **options)
        if code not in ok:
            raise ToolError(f"terraform {what} failed:\n{error_message(err)}")
        return code, out

    def init(self, state_bucket: str | None = None, state_prefix: str = "pybench") -> None:
        """terraform init; with a state bucket, keep the state in GCS (writes gcs_backend.tf)."""
        backend_config = None
        if state_bucket:
            (self.working_dir / "gcs_backend.tf").write_text(
                '# Written by pybench bootstrap --state-bucket.\nterraform {\n  backend "gcs" {}\n}\n')
            backend_config = {"bucket": state_bucket, "prefix": state_prefix}
        self._run("init", "init", input=False, backend_config=backend_config,
                  reconfigure=IsFlagged if state_bucket else None)

    def write_tfvars(self, config: BootstrapConfig) -> Path:
        path = tfvars_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(config.tfvars(), indent=2) + "\n")
        return path

    def _var_file(self) -> Path:
        path = tfvars_path()
        if not path.is_file():
            raise SettingsError(f"No bootstrap variables at {path}; run pybench bootstrap first.")
        return path.resolve()

    def plan(self, config: BootstrapConfig) -> bool:
        """Show what apply would change; apply nothing. True when there are changes."""
        config.check()
        var_file = self.write_tfvars(config).resolve()
        code, _ = self._run("plan", "plan", ok=(0, 2), input=False, detailed_exitcode=IsFlagged,
                            var_file=str(var_file))
        return code == 2

    def apply(self, config: BootstrapConfig) -> dict[str, Any]:
        """Apply, then save the outputs where pybench bench finds them; return them."""
        config.check()
        var_file = self.write_tfvars(config).resolve()
        self._run("apply", "apply", input=False, auto_approve=IsFlagged, var_file=str(var_file))
        outputs = self.outputs()
        path = bootstrap_outputs_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(outputs, indent=2, sort_keys=True) + "\n")
        return outputs

    def outputs(self) -> dict[str, Any]:
        """`terraform output -json` flattened to {name: value}."""
        _, out = self._run("output", "output", json=IsFlagged, stream=False)
        try:
            raw = json.loads(out or "{}")
        except ValueError as e:
            raise ToolError(f"terraform output -json printed something that is not JSON: {e}") from None
        return {name: item.get("value") for name, item in raw.items()}

    def state_addresses(self) -> list[str]:
        code, out, err = self.tf.cmd("state list", no_color=IsFlagged, stream=False)
        if code != 0:
            if "No state file was found" in err:
                return []
            raise ToolError(f"terraform state list failed:\n{error_message(err)}")
        return [line.strip() for line in out.splitlines() if line.strip()]

    def destroy(self, delete_results: bool = False) -> DestroyResult:
        """Destroy what bootstrap made. Without delete_results the results module stays (in GCP and in the state)."""
        var_file = str(self._var_file())
        if delete_results:
            if any(a.startswith(RESULTS_MODULE + ".") for a in self.state_addresses()):
                # force_destroy lives in the state: set it there first, or GCS refuses to delete a non-empty bucket.
                self._run("apply (allow deleting the results bucket)", "apply", input=False,
                          auto_approve=IsFlagged, var_file=var_file, target=[RESULTS_MODULE],
                          var={"force_destroy_results": True})
            self._run("destroy", "destroy", input=False, auto_approve=IsFlagged, var_file=var_file,
                      var={"force_destroy_results": True})
            _forget_outputs()
            return DestroyResult(destroyed=["everything"], kept_bucket=None)
        addresses = self.state_addresses()
        kept = self._bucket_name() if any(a.startswith(RESULTS_MODULE + ".") for a in addresses) else None
        targets = _targets_except_results(addresses)
        if targets:
            self._run("destroy", "destroy", input=False, auto_approve=IsFlagged, var_file=var_file, target=targets)
        _forget_outputs()
        return DestroyResult(destroyed=targets, kept_bucket=kept)

    def _bucket_name(self) -> str | None:
        try:
            value = self.outputs().get("bucket_name")
        except ToolError:
            return None
        return str(value) if value else None


@dataclass
class BootstrapResult:
    applied: bool  # False: plan only
    changes: bool  # whether Terraform changed (or, plan only, would change) anything
    outputs: dict[str, Any] = field(default_factory=dict)  # the module's outputs after apply
    outputs_path: Path | None = None  # where they were saved for `pybench bench --target gke`


def bootstrap(config: BootstrapConfig, state_bucket: str | None = None, plan_only: bool = False,
              echo: Echo | None = None) -> BootstrapResult:
    """Check the config, terraform init (state in state_bucket when given), then plan only or apply; Terraform's
    output goes to echo line by line. Apply saves the outputs where `pybench bench --target gke` finds them."""
    config.check()
    driver = TerraformDriver(echo=echo)
    driver.init(state_bucket=state_bucket)
    if plan_only:
        return BootstrapResult(applied=False, changes=driver.plan(config))
    outputs = driver.apply(config)
    return BootstrapResult(applied=True, changes=True, outputs=outputs, outputs_path=bootstrap_outputs_path())


def destroy_all(delete_results: bool = False, skip_cleanup: bool = False, state_bucket: str | None = None,
                project_id: str | None = None, region: str | None = None, cluster_name: str | None = None, *,
                echo: Echo | None = None, warn: Echo | None = None,
                confirm: Callable[[str], bool] | None = None) -> DestroyResult:
    """Remove what bootstrap made: pybench's Jobs and ConfigMaps in its namespace first, then terraform destroy.

    The variables are the last bootstrap's (bootstrap.tfvars.json), else PROJECT_ID, REGION and CLUSTER from the
    arguments or the environment. With delete_results the results bucket and its reports go too, once confirm (when
    given) says yes; else Cancelled. When the cluster cannot be reached for the cleanup, raises ClusterUnreachable
    and destroys nothing, unless skip_cleanup: then warn says so and the destroy goes on. Terraform's output and
    what was cleaned up go to echo."""
    from pybench import cluster

    echo = echo or (lambda line: None)
    driver = TerraformDriver(echo=echo)
    if tfvars_path().is_file():
        tfvars = json.loads(tfvars_path().read_text())
    else:
        config = BootstrapConfig(project_id=resolve("project_id", project_id).value,
                                 location=resolve("region", region).value,
                                 cluster_name=resolve("cluster", cluster_name).value,
                                 namespace=resolve("namespace", None).value)
        require_settings(config.project_id, config.location, config.cluster_name)
        tfvars = config.tfvars()
        driver.write_tfvars(config)
    if delete_results and confirm is not None and not confirm("Delete the results bucket and every report in it?"):
        raise Cancelled("Nothing was destroyed.")
    namespace = tfvars.get("namespace", "pybench")
    try:
        count = cluster.delete_pybench_objects(namespace)
        echo(f"Deleted {count} pybench Job(s) and ConfigMap(s) in namespace {namespace}.")
    except cluster.ClusterUnreachable as e:
        if not skip_cleanup:
            raise cluster.ClusterUnreachable(
                f"{e} pybench's Jobs and ConfigMaps in namespace {namespace} were not deleted, so nothing was "
                f"destroyed. Get cluster credentials (gcloud container clusters get-credentials "
                f"{tfvars.get('cluster_name')} --location {tfvars.get('location')}) or rerun with --skip-cleanup."
            ) from None
        (warn or echo)(f"Warning: {e} Skipping the Job and ConfigMap cleanup (--skip-cleanup).")
    driver.init(state_bucket=state_bucket)
    return driver.destroy(delete_results=delete_results)


def _targets_except_results(addresses: list[str]) -> list[str]:
    """-target arguments covering every managed resource except the results module's: whole modules where possible."""
    targets: list[str] = []
    for address in addresses:
        if address.startswith("data.") or ".data." in address:
            continue
        module = re.match(r"^module\.[^.\[]+", address)
        target = module.group(0) if module else address
        if target != RESULTS_MODULE and target not in targets:
            targets.append(target)
    return targets


def _forget_outputs() -> None:
    bootstrap_outputs_path().unlink(missing_ok=True)
