"""The public figures the profiles are calibrated against, and the profiles' error against each.

For each accelerator with a figure, hardware.Chip.memory_efficiency (the share of peak HBM bandwidth a decode step
achieves) was fitted so the simulated Llama-3.1-8B figure matches (`fitted=True`: an in-sample error, which only shows
the rounding of the fitted value). The other figures were not used for fitting: their error is a real test of the
model (Llama-3-70B with tensor parallelism, a concurrency sweep). `recorded_error_pct` is the error computed when the
figure was added; tests/test_simulator_calibration.py recomputes every one.

Accelerators with no figure use hardware.DEFAULT_MEMORY_EFFICIENCY (the mean of the fitted GPUs) and list why in
NOT_CALIBRATED. Print the table: `python -m pybench.simulator.calibration`.
"""

from dataclasses import dataclass

from pybench.simulator.engine import Arrival, Engine, Sequence, simulate
from pybench.simulator.profiles import Profile, derive_profile

VLLM_CI = "vLLM nightly performance benchmark (Buildkite 'performance-benchmark' pipeline)"
VLLM_CI_DATE = "not shown in the stored copy of the page; it names llama-3.1, so July 2024 or later"
LATENCY_TEST = "vllm latency test: 8 prompts at once, 32 tokens in, 128 out, offline (no API server); mean batch latency"


@dataclass(frozen=True)
class Figure:
    accelerator: str
    model_profile: str
    tensor_parallel_size: int
    workload: str  # "latency_batch8" | "serve_tpot_c1" | "serve_throughput_ratio_c8"
    published: float
    unit: str
    description: str
    source: str
    url: str
    date: str
    fitted: bool  # True: memory_efficiency was fitted to this figure
    recorded_error_pct: float  # (simulated - published) / published, when the figure was added


FIGURES: list[Figure] = [
    Figure("nvidia-h200-141gb", "llama-3.1-8b", 1, "latency_batch8", 834.059, "ms", LATENCY_TEST,
           f"{VLLM_CI}, build 9513, latency_llama8B_tp1 on H200", "https://buildkite.com/vllm/performance-benchmark/builds/9513",
           VLLM_CI_DATE, True, 0.1),
    Figure("nvidia-h200-141gb", "llama-3.1-70b", 4, "latency_batch8", 2075.08, "ms", LATENCY_TEST + " (Llama-3-70B, TP 4)",
           f"{VLLM_CI}, build 9513, latency_llama70B_tp4 on H200", "https://buildkite.com/vllm/performance-benchmark/builds/9513",
           VLLM_CI_DATE, False, -8.5),
    Figure("nvidia-h100-80gb", "llama-3.1-8b", 1, "latency_batch8", 997.542, "ms", LATENCY_TEST,
           f"{VLLM_CI}, build 9555, latency_llama8B_tp1 on an 8xH100 machine",
           "https://buildkite.com/vllm/performance-benchmark/builds/9555", VLLM_CI_DATE, True, 0.1),
    Figure("nvidia-h100-80gb", "llama-3.1-70b", 4, "latency_batch8", 2444.47, "ms", LATENCY_TEST + " (Llama-3-70B, TP 4)",
           f"{VLLM_CI}, build 9555, latency_llama70B_tp4 on an 8xH100 machine",
           "https://buildkite.com/vllm/performance-benchmark/builds/9555", VLLM_CI_DATE, False, -7.6),
    Figure("nvidia-a100-80gb", "llama-3.1-8b", 1, "latency_batch8", 1579.27, "ms", LATENCY_TEST,
           f"{VLLM_CI}, build 9523, latency_llama8B_tp1 on A100-SXM4-80GB",
           "https://buildkite.com/vllm/performance-benchmark/builds/9523", VLLM_CI_DATE, True, 0.2),
    Figure("nvidia-a100-80gb", "llama-3.1-70b", 4, "latency_batch8", 3990.59, "ms", LATENCY_TEST + " (Llama-3-70B, TP 4)",
           f"{VLLM_CI}, build 9523, latency_llama70B_tp4 on A100-SXM4-80GB",
           "https://buildkite.com/vllm/performance-benchmark/builds/9523", VLLM_CI_DATE, False, -10.4),
    Figure("nvidia-tesla-a100", "llama-3.1-8b", 1, "serve_tpot_c1", 1000 / 75, "ms",
           "vllm bench serve, 1 concurrent request, 1,024 tokens in, 128 out: 'decode at one request per time runs at "
           "about 75 tokens/sec' (A100 40GB, vLLM 0.23.0); compared as mean TPOT = 1000/75 ms",
           "John Musgrave, 'vLLM throughput-latency sweep on NVIDIA A100'",
           "https://johnmusgrave.com/p/vllm-throughput-latency-sweep-on", "not shown in the stored copy of the page",
           True, -0.2),
    Figure("nvidia-tesla-a100", "llama-3.1-8b", 1, "serve_throughput_ratio_c8", 6.6, "x",
           "the same sweep: output throughput at 8 concurrent requests over that at 1 ('a 6.6x gain')",
           "John Musgrave, 'vLLM throughput-latency sweep on NVIDIA A100'",
           "https://johnmusgrave.com/p/vllm-throughput-latency-sweep-on", "not shown in the stored copy of the page",
           False, -14.9),
]

NOT_CALIBRATED: dict[str, str] = {
    "nvidia-l4": "no public vLLM Llama-3.1-8B figure for L4 was found in the searched sources (vLLM CI, Google Cloud "
                 "docs and blogs, vendor blogs); the profile uses the default memory efficiency; its error is unknown",
    "nvidia-h100-mega-80gb": "same H100 SXM chip as nvidia-h100-80gb (A3 Mega adds network, not HBM): uses its fit",
    "tpu-v5-lite-podslice": "no public vLLM Llama-3.1-8B figure for TPU v5e was found in the searched sources; the "
                            "profile uses the default memory efficiency on a 4-chip (2x2) slice; its error is unknown",
    "tpu-v6e-slice": "no public vLLM Llama-3.1-8B figure for TPU v6e was found in the searched sources (Google's "
                     "tutorials run the benchmark but the stored copies show no results); the profile uses the default "
                     "memory efficiency on one chip; its error is unknown",
}


def _offline(profile: Profile) -> Profile:
    from dataclasses import replace

    return replace(profile, ttft_ms=0.0)  # offline benchmarks have no API server in front of the engine


def closed_loop(profile: Profile, concurrency: int, requests: int, prompt_tokens: int,
                output_tokens: int) -> list[Sequence]:
    """`requests` requests from `concurrency` clients that each send the next as soon as one finishes."""
    engine = Engine(profile)
    sequences: list[Sequence] = []

    def issue(at: float) -> None:
        sequences.append(Sequence(prompt_tokens, output_tokens, at))
        engine.add(sequences[-1])

    for _ in range(min(concurrency, requests)):
        issue(0.0)
    now = 0.0
    while (start := engine.next_step_at(now)) is not None:
        if start > now:
            now = start
            continue
        step = engine.schedule(now)
        now = step.end
        for seq in engine.complete(step, now):
            if seq.finished_at is not None and len(sequences) < requests:
                issue(now)
    return sequences


def _throughput(sequences: list[Sequence]) -> float:
    end = max(s.finished_at or 0.0 for s in sequences)
    return sum(s.generated for s in sequences) / end


def simulated(figure: Figure, memory_efficiency: float | None = None) -> float:
    """What the simulator gives for the figure's workload, in the figure's unit."""
    profile = derive_profile(figure.accelerator, figure.model_profile, figure.tensor_parallel_size, memory_efficiency)
    if figure.workload == "latency_batch8":
        batch = simulate(_offline(profile), [Arrival(0.0, 32, 128)] * 8)
        return 1000 * max(s.finished_at or 0.0 for s in batch)
    if figure.workload == "serve_tpot_c1":
        runs = closed_loop(profile, 1, 5, 1024, 128)
        return 1000 * sum(s.tpot or 0.0 for s in runs) / len(runs)
    if figure.workload == "serve_throughput_ratio_c8":
        return _throughput(closed_loop(profile, 8, 160, 1024, 128)) / _throughput(closed_loop(profile, 1, 20, 1024, 128))
    raise ValueError(f"unknown workload {figure.workload}")


def error_pct(figure: Figure, memory_efficiency: float | None = None) -> float:
    return 100 * (simulated(figure, memory_efficiency) - figure.published) / figure.published


def fit_memory_efficiency(figure: Figure, low: float = 0.2, high: float = 1.0) -> float:
    """The memory efficiency at which the simulated figure equals the published one (bisection; latency falls as
    efficiency rises)."""
    for _ in range(40):
        mid = (low + high) / 2
        if error_pct(figure, mid) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def report() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for f in FIGURES:
        rows.append({"accelerator": f.accelerator, "model": f.model_profile, "tp": f.tensor_parallel_size,
                     "workload": f.workload, "published": f.published, "simulated": round(simulated(f), 2),
                     "unit": f.unit, "error_pct": round(error_pct(f), 1), "fitted": f.fitted, "source": f.url})
    return rows


def main() -> None:
    print(f"{'accelerator':<22} {'model':<14} {'tp':>2} {'workload':<26} {'published':>10} {'simulated':>10} "
          f"{'error':>7}  kind")
    for row in report():
        kind = "fitted (in-sample)" if row["fitted"] else "held out"
        print(f"{row['accelerator']:<22} {row['model']:<14} {row['tp']:>2} {row['workload']:<26} "
              f"{row['published']:>10.2f} {row['simulated']:>10.2f} {row['error_pct']:>+6.1f}%  {kind}")
    for accelerator, why in NOT_CALIBRATED.items():
        print(f"{accelerator:<22} not calibrated: {why}")


if __name__ == "__main__":
    main()
