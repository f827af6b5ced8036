"""`python -m pybench.simulator`: the entry point of the child process that `running()` starts."""

import argparse
import os
import sys
from pathlib import Path

from pybench.errors import PybenchError
from pybench.simulator.profiles import parse_assignments
from pybench.simulator.runner import DEFAULT_MODEL_PROFILE, READY_PREFIX, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pybench.simulator", description="vLLM-compatible simulator")
    parser.add_argument("--accelerator", default=os.environ.get("ACCELERATOR", "nvidia-l4"))
    parser.add_argument("--model", default=os.environ.get("MODEL_ID"), help="served model name")
    parser.add_argument("--model-profile", default=os.environ.get("MODEL_PROFILE", DEFAULT_MODEL_PROFILE),
                        help="latency model: llama-3.1-8b or llama-3.1-70b")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--trace", type=Path, help="append every request's true server-side times to this JSONL file")
    parser.add_argument("--tokenizer", default=os.environ.get("SIM_TOKENIZER"),
                        help="tokenizer folder or Hugging Face hub id (default: the bundled offline tokenizer)")
    args = parser.parse_args(argv)
    try:
        serve(
            args.accelerator,
            model=args.model,
            overrides=parse_assignments(args.assignments),
            host=args.host,
            port=args.port,
            on_ready=lambda url: print(f"{READY_PREFIX}{url}", flush=True),
            model_profile=args.model_profile,
            trace=args.trace,
            tokenizer=args.tokenizer,
        )
    except PybenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
