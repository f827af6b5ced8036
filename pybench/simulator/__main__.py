"""`python -m pybench.simulator`: the entry point of the child process that `running()` starts."""

import argparse
import os
import sys

from pybench.errors import PybenchError
from pybench.simulator.profiles import parse_assignments
from pybench.simulator.runner import READY_PREFIX, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pybench.simulator", description="vLLM-compatible simulator")
    parser.add_argument("--accelerator", default=os.environ.get("ACCELERATOR", "nvidia-l4"))
    parser.add_argument("--model", default=os.environ.get("MODEL_ID"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    try:
        serve(
            args.accelerator,
            model=args.model,
            overrides=parse_assignments(args.assignments),
            host=args.host,
            port=args.port,
            on_ready=lambda url: print(f"{READY_PREFIX}{url}", flush=True),
        )
    except PybenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
