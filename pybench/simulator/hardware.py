"""The accelerator x model dimension of the simulator: chip and model specifications, and the roofline that turns them
into a latency profile.

An engine step reads every weight once and the KV cache of every sequence in it, and computes 2 x parameters FLOPs
per token: its time is the longer of `overhead + (weights + KV read) / (bandwidth x efficiency)` and
`tokens x 2 x parameters / (peak FLOP/s x MFU)` (a roofline). Decode steps of small batches are memory-bound; prefill
chunks and very large batches are compute-bound. Tensor parallelism divides bytes and FLOPs by the
chip count and adds two all-reduces per layer. The KV cache gets what is left of `gpu_memory_utilization` of HBM after
the weights and an activation reserve, in blocks of 16 tokens, as vLLM sizes it.

`memory_efficiency` is the one constant fitted per accelerator, against the public figures listed in calibration.py;
accelerators without a public figure use DEFAULT_MEMORY_EFFICIENCY and say so.
"""

from dataclasses import dataclass

from pybench.errors import OverrideError, UnknownAccelerator

BYTES_PER_PARAM = 2  # bf16 weights and KV cache
BLOCK_SIZE = 16  # vLLM's default KV-cache block size on GPUs
GPU_MEMORY_UTILIZATION = 0.9  # vLLM's default share of HBM it may use
ACTIVATION_RESERVE_GB = 2.0  # per chip: activations, CUDA graphs, sampler buffers
STEP_OVERHEAD_MS = 0.6  # per engine step: scheduling, input preparation, kernel launches
PREFILL_MFU = 0.5  # share of peak FLOP/s a large prefill reaches
DECODE_MFU = 0.4  # share of peak FLOP/s a large decode batch reaches (skinnier GEMMs, sampling)
DEFAULT_MEMORY_EFFICIENCY = 0.69  # mean of the four fitted GPUs (0.57, 0.67, 0.68, 0.82), for accelerators without a public figure
API_OVERHEAD_MS = 8.0  # HTTP parsing, tokenization and detokenization in the API server, before scheduling


@dataclass(frozen=True)
class Chip:
    name: str
    hbm_gb: float  # per chip
    hbm_tb_per_s: float  # per chip, peak
    bf16_tflops: float  # per chip, dense peak
    allreduce_us: float  # one small all-reduce between the chips of a tensor-parallel group
    memory_efficiency: float = DEFAULT_MEMORY_EFFICIENCY  # share of peak bandwidth a decode step achieves
    calibrated: bool = False  # True when memory_efficiency was fitted to a public figure (calibration.py)
    max_num_seqs: int = 256  # vLLM's default for the API server on this class of device
    max_num_batched_tokens: int = 2048


@dataclass(frozen=True)
class Model:
    name: str
    params_b: float  # parameters, billions
    layers: int
    kv_heads: int
    head_dim: int
    max_model_len: int
    served_name: str

    @property
    def weight_gb(self) -> float:
        return self.params_b * BYTES_PER_PARAM

    @property
    def kv_bytes_per_token(self) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * BYTES_PER_PARAM  # K and V


# Peak figures from the vendors' data sheets (bf16 dense; HBM bandwidth per chip). vLLM's defaults: devices with
# at least 70 GiB get max_num_seqs 1024 and max_num_batched_tokens 8192 for the API server, smaller ones 256 / 2048.
CHIPS: dict[str, Chip] = {c.name: c for c in [
    Chip("nvidia-l4", 24, 0.300, 121, 25),
    Chip("nvidia-tesla-a100", 40, 1.555, 312, 10, memory_efficiency=0.82, calibrated=True),
    Chip("nvidia-a100-80gb", 80, 2.039, 312, 10, memory_efficiency=0.68, calibrated=True,
         max_num_seqs=1024, max_num_batched_tokens=8192),
    Chip("nvidia-h100-80gb", 80, 3.35, 989, 8, memory_efficiency=0.67, calibrated=True,
         max_num_seqs=1024, max_num_batched_tokens=8192),
    Chip("nvidia-h100-mega-80gb", 80, 3.35, 989, 8, memory_efficiency=0.67,
         max_num_seqs=1024, max_num_batched_tokens=8192),
    Chip("nvidia-h200-141gb", 141, 4.8, 989, 8, memory_efficiency=0.57, calibrated=True,
         max_num_seqs=1024, max_num_batched_tokens=8192),
    Chip("tpu-v5-lite-podslice", 16, 0.819, 197, 15),
    Chip("tpu-v6e-slice", 32, 1.640, 918, 12),
]}

MODELS: dict[str, Model] = {m.name: m for m in [
    Model("llama-3.1-8b", 8.03, 32, 8, 128, 32_768, "pybench/sim-llama-3.1-8b"),
    Model("llama-3.1-70b", 70.6, 80, 8, 128, 32_768, "pybench/sim-llama-3.1-70b"),
]}
DEFAULT_MODEL = "llama-3.1-8b"
TP_SIZES = (1, 2, 4, 8)  # tensor-parallel sizes that divide Llama's 8 KV heads
MIN_KV_TOKENS = 8192  # a deployment needs room for at least one 8k-token sequence


def get_chip(accelerator: str) -> Chip:
    if accelerator not in CHIPS:
        raise UnknownAccelerator(f"No simulator profile for '{accelerator}'; profiles exist for: {', '.join(CHIPS)}.")
    return CHIPS[accelerator]


def get_model(name: str) -> Model:
    if name not in MODELS:
        raise OverrideError(f"No simulator model profile '{name}'; valid: {', '.join(MODELS)}.")
    return MODELS[name]


def kv_cache_gb(chip: Chip, model: Model, tp: int) -> float:
    return tp * (chip.hbm_gb * GPU_MEMORY_UTILIZATION - ACTIVATION_RESERVE_GB) - model.weight_gb


def tp_sizes(accelerator: str) -> tuple[int, ...]:
    """Tensor-parallel sizes one host of this accelerator offers (TPUs: its single-host slice shapes)."""
    from pybench.accelerators import get_accelerator

    spec = get_accelerator(accelerator)
    counts = set(spec.tpu_topologies) if spec.kind == "tpu" else {n for n in TP_SIZES if n <= max(spec.machine_types)}
    return tuple(sorted(counts & set(TP_SIZES)))


def default_tp(chip: Chip, model: Model) -> int:
    """The smallest tensor-parallel size whose KV cache holds at least MIN_KV_TOKENS tokens."""
    for tp in tp_sizes(chip.name):
        if kv_cache_gb(chip, model, tp) * 1e9 >= MIN_KV_TOKENS * model.kv_bytes_per_token:
            return tp
    raise OverrideError(f"{model.name} does not fit on one {chip.name} host in bf16; choose a larger accelerator.")


def roofline(chip: Chip, model: Model, tp: int, memory_efficiency: float | None = None) -> dict[str, float | int]:
    """The latency-model parameters (the Profile fields they feed) for `model` on `tp` chips."""
    efficiency = memory_efficiency or chip.memory_efficiency
    bandwidth = tp * chip.hbm_tb_per_s * 1e12 * efficiency  # bytes/s
    flops = tp * chip.bf16_tflops * 1e12
    allreduce_ms = 0.0 if tp == 1 else 2 * model.layers * chip.allreduce_us / 1000
    free_gb = kv_cache_gb(chip, model, tp)
    if free_gb <= 0:
        raise OverrideError(f"{model.name} does not fit on {tp} {chip.name} chip(s) in bf16; "
                            "set a larger tensor_parallel_size.")
    blocks = int(free_gb * 1e9 // (model.kv_bytes_per_token * BLOCK_SIZE))
    return {
        "prefill_tokens_per_s": round(flops * PREFILL_MFU / (2 * model.params_b * 1e9)),
        "decode_base_ms": round(STEP_OVERHEAD_MS + allreduce_ms + 1000 * model.weight_gb * 1e9 / bandwidth, 3),
        "decode_ms_per_seq": round(1000 * 2 * model.params_b * 1e9 / (flops * DECODE_MFU), 4),
        "decode_ms_per_1k_context": round(1000 * 1000 * model.kv_bytes_per_token / bandwidth, 4),
        "num_gpu_blocks": blocks,
        "max_model_len": min(model.max_model_len, 1 << (blocks * BLOCK_SIZE).bit_length() - 1),
    }
