"""Accelerator profiles: the parameters of the simulator's latency model, one set per GKE accelerator name.

The numbers are rough estimates for Llama-3.1-8B in bf16 under vLLM on one node of the accelerator's usual size
(TPUs: an 8-chip v5e or 4-chip v6e slice). They are meant to make curves differ the way the hardware does (an H100
decodes several times faster than an L4), not to predict a real server. See engine.py for how each parameter is used.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from pybench.accelerators import get_accelerator
from pybench.errors import OverrideError, UnknownAccelerator


@dataclass(frozen=True)
class Profile:
    accelerator: str
    ttft_ms: float  # fixed time from arrival to being schedulable: API server, tokenization, scheduling
    prefill_tokens_per_s: float  # prompt tokens processed per second of step time
    decode_base_ms: float  # time of one engine step with a single sequence decoding
    decode_ms_per_seq: float  # extra step time for each sequence decoding in the step
    max_num_seqs: int  # sequences running at once; the rest wait in a FIFO queue
    max_num_batched_tokens: int  # tokens one step may process (decode tokens + prefill chunks)
    max_model_len: int  # prompt + output tokens a request may use

    def step_ms(self, decoding: int, prefill_tokens: int) -> float:
        return (
            self.decode_base_ms
            + self.decode_ms_per_seq * decoding
            + 1000.0 * prefill_tokens / self.prefill_tokens_per_s
        )


PROFILES: dict[str, Profile] = {
    p.accelerator: p
    for p in [
        Profile("nvidia-l4", 25, 4_500, 48, 0.45, 128, 2048, 16_384),
        Profile("nvidia-tesla-a100", 18, 13_000, 13, 0.11, 256, 8192, 32_768),
        Profile("nvidia-a100-80gb", 18, 14_000, 12, 0.10, 256, 8192, 131_072),
        Profile("nvidia-h100-80gb", 15, 30_000, 7, 0.05, 256, 8192, 131_072),
        Profile("nvidia-h100-mega-80gb", 15, 32_000, 6.5, 0.045, 256, 8192, 131_072),
        Profile("nvidia-h200-141gb", 15, 33_000, 6, 0.04, 512, 8192, 131_072),
        Profile("tpu-v5-lite-podslice", 30, 12_000, 14, 0.12, 256, 8192, 32_768),
        Profile("tpu-v6e-slice", 20, 24_000, 8, 0.06, 256, 8192, 32_768),
    ]
}

TUNABLE = [f.name for f in fields(Profile) if f.name != "accelerator"]


def get_profile(accelerator: str, overrides: Mapping[str, object] | None = None) -> Profile:
    """The profile for a catalog accelerator name, with `overrides` (e.g. {"ttft_ms": "200"}) applied."""
    get_accelerator(accelerator)  # raises UnknownAccelerator listing the valid names
    if accelerator not in PROFILES:
        raise UnknownAccelerator(f"No simulator profile for '{accelerator}'; profiles exist for: {', '.join(PROFILES)}.")
    return apply_overrides(PROFILES[accelerator], overrides or {})


def apply_overrides(profile: Profile, overrides: Mapping[str, object]) -> Profile:
    changes: dict[str, float | int] = {}
    types = {f.name: f.type for f in fields(Profile)}
    for key, raw in overrides.items():
        if key not in TUNABLE:
            raise OverrideError(f"Unknown simulator parameter '{key}'; valid: {', '.join(TUNABLE)}.")
        kind = int if types[key] in (int, "int") else float
        try:
            number = float(str(raw))
            value = kind(number)
            if value != number:
                raise ValueError(raw)
        except (TypeError, ValueError):
            wanted = "an integer" if kind is int else "a number"
            raise OverrideError(f"Simulator parameter {key} needs {wanted}, not '{raw}'.") from None
        if value < 0 or (value == 0 and key not in ("ttft_ms", "decode_base_ms", "decode_ms_per_seq")):
            raise OverrideError(f"Simulator parameter {key} must be positive, not {raw}.")
        changes[key] = value
    result = replace(profile, **changes)  # type: ignore[arg-type]
    if result.max_num_batched_tokens < result.max_num_seqs:
        raise OverrideError(
            f"max_num_batched_tokens ({result.max_num_batched_tokens}) must be at least max_num_seqs "
            f"({result.max_num_seqs}), as in vLLM."
        )
    return result


def parse_assignments(assignments: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Turn ["ttft_ms=200", ...] (the CLI's --set values) into a dict, rejecting entries without '='."""
    parsed: dict[str, str] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise OverrideError(f"--set needs KEY=VALUE, not '{item}'; keys: {', '.join(TUNABLE)}.")
        parsed[key.strip()] = value.strip()
    return parsed
