"""Profiles: the parameters of the simulator's latency and memory model for one accelerator x model, derived from the
chip and model specifications in hardware.py (calibrated against public figures: calibration.py), with overrides.

    get_profile("nvidia-h100-80gb")                                   # Llama-3.1-8B on one H100
    get_profile("nvidia-h100-80gb", model_profile="llama-3.1-70b")    # Llama-3.1-70B, tensor-parallel over 4
    get_profile("nvidia-l4", {"max_num_seqs": "64"})                  # a vLLM flag changed
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from pybench.accelerators import get_accelerator
from pybench.errors import OverrideError
from pybench.simulator import hardware


@dataclass(frozen=True)
class Profile:
    accelerator: str
    ttft_ms: float  # fixed time from arrival to being schedulable: API server, tokenization
    prefill_tokens_per_s: float  # prompt tokens processed per second of step time
    decode_base_ms: float  # time of an engine step that decodes one short sequence (mostly reading the weights)
    decode_ms_per_seq: float  # compute time of one decoding sequence; counts once a big batch is compute-bound
    max_num_seqs: int  # sequences running at once; the rest wait in a FIFO queue
    max_num_batched_tokens: int  # tokens one step may process (decode tokens + prefill chunks)
    max_model_len: int  # prompt + output tokens a request may use
    decode_ms_per_1k_context: float = 0.0  # step time per 1,000 tokens of KV cache the step's sequences read
    num_gpu_blocks: int = 1_000_000  # KV-cache blocks; when they run out, the newest running sequence is preempted
    block_size: int = hardware.BLOCK_SIZE  # tokens per KV-cache block
    enable_prefix_caching: bool = True  # reuse cached blocks of identical prompt prefixes (vLLM v1's default)
    model_profile: str = hardware.DEFAULT_MODEL
    tensor_parallel_size: int = 1

    def step_ms(self, decoding: int, prefill_tokens: int, context_tokens: int = 0) -> float:
        """Duration of one engine step in which `decoding` sequences get a token, `prefill_tokens` prompt tokens are
        computed and the step's sequences read `context_tokens` tokens of KV cache: the longer of its memory time
        (the weights, once, plus the KV read) and its compute time (a roofline)."""
        memory = self.decode_base_ms + self.decode_ms_per_1k_context * context_tokens / 1000.0
        compute = self.decode_ms_per_seq * decoding + 1000.0 * prefill_tokens / self.prefill_tokens_per_s
        return max(compute, memory)

    @property
    def served_model_name(self) -> str:
        return hardware.get_model(self.model_profile).served_name


DERIVED = ("accelerator", "model_profile", "tensor_parallel_size")  # set by the derivation, not tunable directly
TUNABLE = [f.name for f in fields(Profile) if f.name not in ("accelerator", "model_profile")]
ZERO_ALLOWED = ("ttft_ms", "decode_base_ms", "decode_ms_per_seq", "decode_ms_per_1k_context")


def derive_profile(accelerator: str, model_profile: str = hardware.DEFAULT_MODEL,
                   tensor_parallel_size: int | None = None, memory_efficiency: float | None = None) -> Profile:
    """The profile of `model_profile` served by vLLM on `tensor_parallel_size` chips (default: the fewest that fit)."""
    chip = hardware.get_chip(accelerator)
    model = hardware.get_model(model_profile)
    tp = tensor_parallel_size or hardware.default_tp(chip, model)
    return Profile(
        accelerator=accelerator,
        ttft_ms=hardware.API_OVERHEAD_MS,
        max_num_seqs=chip.max_num_seqs,
        max_num_batched_tokens=chip.max_num_batched_tokens,
        model_profile=model.name,
        tensor_parallel_size=tp,
        **hardware.roofline(chip, model, tp, memory_efficiency),  # type: ignore[arg-type]
    )


PROFILES: dict[str, Profile] = {name: derive_profile(name) for name in hardware.CHIPS}


def get_profile(accelerator: str, overrides: Mapping[str, object] | None = None,
                model_profile: str = hardware.DEFAULT_MODEL) -> Profile:
    """The profile for a catalog accelerator name and model profile, with `overrides` (e.g. {"ttft_ms": "200"})
    applied. `tensor_parallel_size` in the overrides re-derives the hardware terms for that many chips."""
    get_accelerator(accelerator)  # raises UnknownAccelerator listing the valid names
    overrides = dict(overrides or {})
    raw_tp = overrides.pop("tensor_parallel_size", None)
    tp = None if raw_tp is None else int(_number("tensor_parallel_size", raw_tp, int))
    if tp is not None and tp not in hardware.tp_sizes(accelerator):
        raise OverrideError(f"Simulator parameter tensor_parallel_size must be one of "
                            f"{', '.join(map(str, hardware.tp_sizes(accelerator)))} on {accelerator}, not {tp}.")
    base = PROFILES[accelerator] if model_profile == hardware.DEFAULT_MODEL and tp is None else derive_profile(
        accelerator, model_profile, tp)
    return apply_overrides(base, overrides)


def _number(key: str, raw: object, kind: type) -> float | int | bool:
    if kind is bool:
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise OverrideError(f"Simulator parameter {key} needs true or false, not '{raw}'.")
    try:
        number = float(str(raw))
        value = kind(number)
        if value != number:
            raise ValueError(raw)
    except (TypeError, ValueError, OverflowError):
        wanted = "an integer" if kind is int else "a number"
        raise OverrideError(f"Simulator parameter {key} needs {wanted}, not '{raw}'.") from None
    return value


def apply_overrides(profile: Profile, overrides: Mapping[str, object]) -> Profile:
    changes: dict[str, float | int | bool] = {}
    types = {f.name: f.type for f in fields(Profile)}
    for key, raw in overrides.items():
        if key not in TUNABLE:
            raise OverrideError(f"Unknown simulator parameter '{key}'; valid: {', '.join(TUNABLE)}.")
        kind: type = types[key] if types[key] in (int, bool) else float  # type: ignore[assignment]
        value = _number(key, raw, kind)
        if kind is not bool and (value < 0 or (value == 0 and key not in ZERO_ALLOWED)):
            raise OverrideError(f"Simulator parameter {key} must be positive, not {raw}.")
        changes[key] = value
    result = replace(profile, **changes)  # type: ignore[arg-type]
    if result.max_num_batched_tokens < result.max_num_seqs:
        raise OverrideError(
            f"max_num_batched_tokens ({result.max_num_batched_tokens}) must be at least max_num_seqs "
            f"({result.max_num_seqs}), as in vLLM."
        )
    if result.num_gpu_blocks * result.block_size < result.max_model_len and "max_model_len" not in changes:
        result = replace(result, max_model_len=result.num_gpu_blocks * result.block_size)
    if result.num_gpu_blocks * result.block_size < result.max_model_len:
        raise OverrideError(
            f"The KV cache ({result.num_gpu_blocks} blocks of {result.block_size} tokens) cannot hold one sequence of "
            f"max_model_len={result.max_model_len} tokens, which vLLM refuses at start-up."
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
