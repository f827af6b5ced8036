"""How long `pybench --help` takes (target: at most 0.4 s). Prints the median of several runs."""

import statistics
import subprocess
import sys
import time
from pathlib import Path

PYBENCH = Path(sys.executable).with_name("pybench")


def main(runs: int = 7) -> None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(PYBENCH), "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    print(f"pybench --help: median {statistics.median(times):.3f} s, max {max(times):.3f} s over {runs} runs")


if __name__ == "__main__":
    main()
