"""Streaming analysis of a ~1 GB per_request_lifecycle_metrics.json (targets: at most 30 s and 300 MB peak memory).

Writes a file shaped like inference-perf 0.7's (indented like its local storage, streamed chunks included) into a
temporary folder, then analyses it in a fresh child process - parse, stage recovery, exact percentiles, warm-up
trimming, transition spreads - and prints the child's wall time and peak resident memory. Prints figures only.

    .venv/bin/python benchmarks/bench_per_request.py [--gb 1.0] [--keep DIR]
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pybench.analysis import synth

STAGES = [2, 4, 8, 16, 24, 32, 40, 48, 56, 64]  # req/s, 10 stages


def write(path: Path, target_bytes: float, chunks: bool = True) -> int:
    # bytes per entry with a 512-token prompt and 60 output tokens, with or without their streamed chunks
    per_request = 22_300 if chunks else 7_900
    total = int(target_bytes / per_request)
    duration = total / sum(STAGES)

    def reqs():
        for r in synth.constant_stages(STAGES, duration=duration, gap=5.0, ttft=0.12, tpot=0.025, output_tokens=60,
                                       input_tokens=512, chunks=chunks):
            r.ttft *= 1 + (r.start % 7) / 10  # some spread
            yield r

    return synth.write_file(path, reqs())


CHILD = """
import sys, time, resource
from pybench.analysis import per_request
t0 = time.perf_counter()
data = per_request.read_per_request(sys.argv[1])
t1 = time.perf_counter()
counts = {i: int(n) for i, n in enumerate(sys.argv[2].split(","))}
per_request.assign_stages(data, counts)
from pybench.results import StageResult
stages = [per_request.stage_from_samples(data, StageResult(stage=s), warmup_s=2.0) for s in counts]
per_request.transitions(data)
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(data)} {t1 - t0:.2f} {t2 - t1:.2f} {rss:.0f} {stages[-1].ttft.p(99):.4f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0, help="size of the generated file in GB")
    parser.add_argument("--no-chunks", action="store_true",
                        help="entries without response_chunks (per_request_fields.response_chunks: false): more "
                             "requests and inter-token gaps per GB")
    parser.add_argument("--keep", type=Path, help="write the file here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "per_request_lifecycle_metrics.json"
        start = time.perf_counter()
        n = write(path, args.gb * 1e9, chunks=not args.no_chunks)
        size = path.stat().st_size
        print(f"wrote {n} requests, {size / 1e9:.2f} GB in {time.perf_counter() - start:.0f} s ({path})")
        duration = n / sum(STAGES)
        counts = ",".join(str(int(rate * duration)) for rate in STAGES)
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), counts], check=True, capture_output=True,
                             text=True).stdout.split()
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        parsed, parse_s, analyse_s = int(out[0]), float(out[1]), float(out[2])
        print(f"streaming analysis of {size / 1e9:.2f} GB ({parsed} requests, 10 stages): {wall:.1f} s wall "
              f"(parse {parse_s:.1f} s = {size / 1e6 / parse_s:.0f} MB/s, stages+percentiles+trim {analyse_s:.2f} s,"
              f" interpreter start and imports the rest); peak RSS {peak:.0f} MB")
        print("targets: <= 30 s, <= 300 MB")


if __name__ == "__main__":
    main()
