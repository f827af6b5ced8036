"""The `pybench` command line. Each command parses its options, calls a library function and prints what it
returns; a PybenchError becomes one `Error: ...` line on stderr and exit code 1 (base.py).

- base.py: the `main` group, context settings, consoles, KEY=VALUE parsing, `finish` (the end of a run)
- run.py: bench (--target local|gke), report, compare, sim
- cluster.py: config, runs, collect, logs, cancel, serve, and the options and body of `bench --target gke`
- infra.py: bootstrap, destroy
- quickstart.py: the `profiles` group (GKE Inference Quickstart)

Heavy libraries are imported inside the commands so that `pybench --help` stays fast."""

from pybench.cli import cluster, infra, quickstart, run  # noqa: F401  (each registers its commands on main)
from pybench.cli.base import main

__all__ = ["main"]
