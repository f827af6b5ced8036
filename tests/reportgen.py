"""Report dicts shaped like inference-perf 0.7's lifecycle reports, for tests that need chosen numbers."""

PERCENTILES = [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9]


def dist(median: float, spread: float = 0.2) -> dict:
    """A distribution whose percentiles rise linearly around the median."""
    out = {"mean": median, "min": median * (1 - spread), "max": median * (1 + 2 * spread)}
    for p in PERCENTILES:
        key = "median" if p == 50 else f"p{p:g}"
        out[key] = median * (1 + spread * (p - 50) / 50)
    return out


def lifecycle(rate=4.0, achieved=None, ok=40, failed=0, ttft=0.05, tpot=0.01, e2e=1.0, out_tps=600.0,
              labels=None) -> dict:
    return {
        "benchmark_time_seconds": 10.0,
        "load_summary": {"count": ok + failed, "schedule_delay": dist(0.001), "send_duration": 10.0,
                         "requested_rate": rate, "achieved_rate": rate if achieved is None else achieved},
        "successes": {
            "count": ok,
            "latency": {"request_latency": dist(e2e), "normalized_time_per_output_token": dist(e2e / 64),
                        "time_per_output_token": dist(tpot), "time_to_first_token": dist(ttft),
                        "inter_token_latency": dist(tpot)},
            "throughput": {"input_tokens_per_sec": out_tps * 4, "output_tokens_per_sec": out_tps,
                           "total_tokens_per_sec": out_tps * 5, "requests_per_sec": ok / 10.0},
            "prompt_tokens": {"total": 256.0 * ok, "cached": 0.0, **dist(256)},
            "output_tokens": {"total": 64.0 * ok, **dist(64)},
            "token_count_mismatches": 0,
        },
        "failures": {"count": failed, "request_latency": dist(0.1) if failed else None,
                     "by_label": {k: {"count": v, "messages": ["x"]} for k, v in (labels or {}).items()}},
    }


def older_lifecycle(**kw) -> dict:
    """The shape older inference-perf versions wrote: prompt_len, no benchmark_time_seconds, no rates."""
    report = lifecycle(**kw)
    del report["benchmark_time_seconds"]
    report["successes"]["prompt_len"] = report["successes"].pop("prompt_tokens")
    report["successes"]["output_len"] = report["successes"].pop("output_tokens")
    report["load_summary"] = {"count": report["load_summary"]["count"]}
    return report
