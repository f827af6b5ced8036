"""Wall time of the local demo once set up (target: at most 90 s on a 2-core machine): `pybench bench` with the
demo scenario against the built-in simulator, as `make demo` runs it."""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYBENCH = Path(sys.executable).with_name("pybench")


def main() -> None:
    with tempfile.TemporaryDirectory() as results:
        start = time.perf_counter()
        proc = subprocess.run([str(PYBENCH), "bench", "--target", "local", "--scenario", "demo",
                               "--results-dir", results], capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
    print(proc.stdout[-3000:])
    print(f"make demo (bench step): {elapsed:.1f} s wall, exit code {proc.returncode}")


if __name__ == "__main__":
    main()
