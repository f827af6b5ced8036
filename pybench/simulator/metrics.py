"""Prometheus metrics under vLLM's names and labels, written in the text exposition format by hand (cheaper per token
than prometheus_client, and the engine loop updates them once per step)."""

from bisect import bisect_left
from collections.abc import Callable

from pybench.simulator.engine import Sequence

# vLLM v1's bucket boundaries (vllm/v1/metrics/loggers.py)
TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
                80.0, 160.0, 640.0, 2560.0]
TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
                           240.0, 480.0, 960.0, 1920.0, 7680.0]


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: list[float]):
        self.name = name
        self.help = help_text
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.buckets, value)] += 1
        self.sum += value

    def render(self, labels: str) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        cumulative = 0
        for bound, count in zip(self.buckets + [float("inf")], self.counts):
            cumulative += count
            le = "+Inf" if bound == float("inf") else repr(float(bound))
            lines.append(f'{self.name}_bucket{{{labels},le="{le}"}} {cumulative}.0')
        lines.append(f"{self.name}_count{{{labels}}} {cumulative}.0")
        lines.append(f"{self.name}_sum{{{labels}}} {self.sum!r}")
        return lines


class ServerMetrics:
    def __init__(self, model: str, running: Callable[[], int], waiting: Callable[[], int]):
        self.labels = f'engine="0",model_name="{model}"'
        self.running = running
        self.waiting = waiting
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.successes = {"length": 0, "stop": 0, "abort": 0}
        self.ttft = Histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
                              TTFT_BUCKETS)
        self.tpot = Histogram("vllm:request_time_per_output_token_seconds",
                              "Histogram of time_per_output_token_seconds per request.", TPOT_BUCKETS)
        self.e2e = Histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
                             REQUEST_LATENCY_BUCKETS)
        self.queue = Histogram("vllm:request_queue_time_seconds",
                               "Histogram of time spent in WAITING phase for request.", REQUEST_LATENCY_BUCKETS)

    def on_step(self, emitted: list[Sequence]) -> None:
        self.generation_tokens += len(emitted)
        for seq in emitted:
            if seq.generated == 1:
                self.prompt_tokens += seq.prompt_tokens
                self.ttft.observe(seq.first_token_at - seq.arrival)  # type: ignore[operator]
                self.queue.observe(seq.admitted_at - seq.ready_at)  # type: ignore[operator]

    def on_finished(self, seq: Sequence, reason: str) -> None:
        self.successes[reason] += 1
        self.e2e.observe(seq.finished_at - seq.arrival)  # type: ignore[operator]
        if (tpot := seq.tpot) is not None:
            self.tpot.observe(tpot)

    def render(self) -> bytes:
        labels = self.labels
        lines = [
            "# HELP vllm:num_requests_running Number of requests in model execution batches.",
            "# TYPE vllm:num_requests_running gauge",
            f"vllm:num_requests_running{{{labels}}} {float(self.running())}",
            "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
            "# TYPE vllm:num_requests_waiting gauge",
            f"vllm:num_requests_waiting{{{labels}}} {float(self.waiting())}",
            "# HELP vllm:prompt_tokens_total Number of prefill tokens processed.",
            "# TYPE vllm:prompt_tokens_total counter",
            f"vllm:prompt_tokens_total{{{labels}}} {float(self.prompt_tokens)}",
            "# HELP vllm:generation_tokens_total Number of generation tokens processed.",
            "# TYPE vllm:generation_tokens_total counter",
            f"vllm:generation_tokens_total{{{labels}}} {float(self.generation_tokens)}",
            "# HELP vllm:request_success_total Count of successfully processed requests.",
            "# TYPE vllm:request_success_total counter",
        ]
        for reason, count in self.successes.items():
            lines.append(f'vllm:request_success_total{{{labels},finished_reason="{reason}"}} {float(count)}')
        for histogram in (self.ttft, self.tpot, self.e2e, self.queue):
            lines.extend(histogram.render(labels))
        return ("\n".join(lines) + "\n").encode()
