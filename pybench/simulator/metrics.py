"""Prometheus metrics under vLLM v1's names, types, labels and histogram buckets, written in the text exposition
format by hand (cheaper per token than prometheus_client; the engine loop updates them once per step).

inference-perf's vLLM client queries these exact names (client/modelserver/vllm_client.py), filtered by
`model_name`; counters carry the `_total` suffix prometheus_client would give them.
"""

from bisect import bisect_left
from collections.abc import Sequence as Buckets

from pybench.simulator.engine import Engine, Sequence, Step

# vLLM v1's bucket boundaries (vllm/v1/metrics/loggers.py)
TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
                80.0, 160.0, 640.0, 2560.0]
TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
                           240.0, 480.0, 960.0, 1920.0, 7680.0]
ITERATION_TOKEN_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]


def token_buckets(max_value: int) -> list[float]:
    """vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, ... up to max_value."""
    buckets: list[float] = []
    exponent = 0
    while True:
        for mantissa in (1, 2, 5):
            value = mantissa * 10**exponent
            if value > max_value:
                return buckets
            buckets.append(float(value))
        exponent += 1


class Histogram:
    __slots__ = ("buckets", "counts", "help", "name", "sum")

    def __init__(self, name: str, help_text: str, buckets: Buckets[float]):
        self.name = name
        self.help = help_text
        self.buckets = [float(b) for b in buckets]
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.buckets, value)] += 1
        self.sum += value

    def render(self, labels: str, name: str | None = None) -> list[str]:
        name = name or self.name
        lines = [f"# HELP {name} {self.help}", f"# TYPE {name} histogram"]
        cumulative = 0
        for bound, count in zip(self.buckets + [float("inf")], self.counts):
            cumulative += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            lines.append(f'{name}_bucket{{{labels},le="{le}"}} {cumulative}.0')
        lines.append(f"{name}_count{{{labels}}} {cumulative}.0")
        lines.append(f"{name}_sum{{{labels}}} {self.sum!r}")
        return lines


def _metric(kind: str, name: str, help_text: str, labels: str, value: float) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name}{{{labels}}} {float(value)!r}"]


class ServerMetrics:
    def __init__(self, model: str, engine: Engine, max_model_len: int | None = None):
        self.labels = f'engine="0",model_name="{model}"'
        self.engine = engine
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.successes = {"length": 0, "stop": 0, "abort": 0}
        tokens = token_buckets(max_model_len or engine.profile.max_model_len)
        self.ttft = Histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
                              TTFT_BUCKETS)
        self.itl = Histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.",
                             TPOT_BUCKETS)
        self.tpot = Histogram("vllm:request_time_per_output_token_seconds",
                              "Histogram of time_per_output_token_seconds per request.", TPOT_BUCKETS)
        self.e2e = Histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
                             REQUEST_LATENCY_BUCKETS)
        self.queue = Histogram("vllm:request_queue_time_seconds",
                               "Histogram of time spent in WAITING phase for request.", REQUEST_LATENCY_BUCKETS)
        self.inference = Histogram("vllm:request_inference_time_seconds",
                                   "Histogram of time spent in RUNNING phase for request.", REQUEST_LATENCY_BUCKETS)
        self.prefill = Histogram("vllm:request_prefill_time_seconds",
                                 "Histogram of time spent in PREFILL phase for request.", REQUEST_LATENCY_BUCKETS)
        self.decode = Histogram("vllm:request_decode_time_seconds",
                                "Histogram of time spent in DECODE phase for request.", REQUEST_LATENCY_BUCKETS)
        self.request_prompt = Histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", tokens)
        self.request_generation = Histogram("vllm:request_generation_tokens",
                                            "Number of generation tokens processed.", tokens)
        self.request_max_tokens = Histogram("vllm:request_params_max_tokens",
                                            "Histogram of the max_tokens request parameter.", tokens)
        self.request_max_generation = Histogram("vllm:request_max_num_generation_tokens",
                                                "Histogram of maximum number of requested generation tokens.", tokens)
        self.request_n = Histogram("vllm:request_params_n", "Histogram of the n request parameter.", [1, 2, 5, 10, 20])
        self.request_computed = Histogram("vllm:request_prefill_kv_computed_tokens",
                                          "Histogram of new KV tokens computed during prefill (excluding cached).",
                                          tokens)
        self.iteration = Histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.",
                                   ITERATION_TOKEN_BUCKETS)
        self.histograms = [self.ttft, self.itl, self.tpot, self.e2e, self.queue, self.inference, self.prefill,
                           self.decode, self.request_prompt, self.request_generation, self.request_max_tokens,
                           self.request_max_generation, self.request_n, self.request_computed, self.iteration]

    def on_step(self, step: Step, emitted: list[Sequence]) -> None:
        self.generation_tokens += len(emitted)
        self.iteration.observe(step.decoding + step.prefill_tokens)
        itl = self.itl.observe
        for seq in emitted:
            if seq.generated == 1:
                self.prompt_tokens += seq.prompt_tokens
                self.ttft.observe(seq.first_token_at - seq.arrival)  # type: ignore[operator]
                self.queue.observe(seq.admitted_at - seq.ready_at)  # type: ignore[operator]
                self.prefill.observe(seq.first_token_at - seq.admitted_at)  # type: ignore[operator]
            else:
                itl(seq.itl)

    def on_finished(self, seq: Sequence, reason: str, max_tokens: int) -> None:
        self.successes[reason] += 1
        self.e2e.observe(seq.finished_at - seq.arrival)  # type: ignore[operator]
        self.inference.observe(seq.finished_at - seq.admitted_at)  # type: ignore[operator]
        self.decode.observe(seq.finished_at - seq.first_token_at)  # type: ignore[operator]
        self.request_prompt.observe(seq.prompt_tokens)
        self.request_generation.observe(seq.generated)
        self.request_max_tokens.observe(max_tokens)
        self.request_max_generation.observe(max_tokens)
        self.request_n.observe(1)
        self.request_computed.observe(seq.prompt_tokens - seq.prefix_hit_tokens)
        if (tpot := seq.tpot) is not None:
            self.tpot.observe(tpot)

    def render(self) -> bytes:
        labels = self.labels
        engine = self.engine
        profile = engine.profile
        lines = []
        lines += _metric("gauge", "vllm:num_requests_running", "Number of requests in model execution batches.",
                         labels, engine.num_running)
        lines += _metric("gauge", "vllm:num_requests_waiting", "Number of requests waiting to be processed.",
                         labels, engine.num_waiting)
        lines += _metric("gauge", "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
                         labels, engine.kv.usage)
        lines += [
            "# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig",
            "# TYPE vllm:cache_config_info gauge",
            (f'vllm:cache_config_info{{block_size="{profile.block_size}",enable_prefix_caching="'
             f'{profile.enable_prefix_caching}",engine="0",num_gpu_blocks="{profile.num_gpu_blocks}"}} 1.0'),
        ]
        counters = [
            ("vllm:prompt_tokens_total", "Number of prefill tokens processed.", self.prompt_tokens),
            ("vllm:generation_tokens_total", "Number of generation tokens processed.", self.generation_tokens),
            ("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", engine.num_preemptions),
            ("vllm:prefix_cache_queries_total",
             "Prefix cache queries, in terms of number of queried tokens.", engine.prefix_queries),
            ("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.",
             engine.prefix_hits),
            ("vllm:prompt_tokens_cached_total", "Number of cached prompt tokens (local prefix cache).",
             engine.prefix_hits),
        ]
        for name, help_text, value in counters:
            lines += _metric("counter", name, help_text, labels, value)
        lines += ["# HELP vllm:request_success_total Count of successfully processed requests.",
                  "# TYPE vllm:request_success_total counter"]
        for reason, count in self.successes.items():
            lines.append(f'vllm:request_success_total{{{labels},finished_reason="{reason}"}} {float(count)}')
        for histogram in self.histograms:
            lines.extend(histogram.render(labels))
        # vLLM 0.10 renamed it vllm:inter_token_latency_seconds and kept the old name, deprecated, for a while
        lines.extend(self.itl.render(labels, name="vllm:time_per_output_token_seconds"))
        return ("\n".join(lines) + "\n").encode()
