"""The one renderer: the inference-perf config (config.py) and the Kubernetes manifests that carry it (manifests.py,
servers.py). `from pybench.render import render_config, ...` keeps working for every caller."""

from pybench.render.config import (
    MANIFESTS_DIR,
    RUN_ID_PATTERN,
    SCENARIOS_DIR,
    RenderRequest,
    Scenario,
    Storage,
    available_scenarios,
    check_run_id,
    dump_yaml,
    load_scenario,
    new_run_id,
    parse_override,
    planned_duration_s,
    planned_stages,
    render_config,
    set_path,
    validate_config,
)
from pybench.render.manifests import (
    DEFAULT_IMAGE,
    REPORTS_PATH,
    JobSpec,
    active_deadline_s,
    dump_manifests,
    job_name,
    label_value,
    render_job_manifests,
    run_selector,
)
from pybench.render.servers import ServerSpec, render_server, server_endpoint

__all__ = [
    "DEFAULT_IMAGE", "MANIFESTS_DIR", "REPORTS_PATH", "RUN_ID_PATTERN", "SCENARIOS_DIR", "JobSpec", "RenderRequest",
    "Scenario", "ServerSpec", "Storage", "active_deadline_s", "available_scenarios", "check_run_id", "dump_manifests",
    "dump_yaml", "job_name", "label_value", "load_scenario", "new_run_id", "parse_override", "planned_duration_s",
    "planned_stages", "render_config", "render_job_manifests", "render_server", "run_selector", "server_endpoint",
    "set_path", "validate_config",
]
