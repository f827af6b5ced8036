"""Cost per million tokens: the accelerators' hourly price x how many serve / 3600 / tokens per second x 1e6.

The whole hourly price is charged to output tokens for $/M output, and again to input tokens for $/M input (the
usual convention: each figure answers "what if this were the only thing I paid for")."""

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pybench.errors import PybenchError
from pybench.results import RunResult, StageResult


class PriceError(PybenchError):
    """A price file is missing or malformed, or has no price for the accelerator."""


@dataclass
class PriceTable:
    prices: dict[str, float]  # USD per accelerator-hour
    as_of: str = "unknown"
    source: str = "unknown"
    region: str | None = None
    pricing: str | None = None
    overridden_by: list[str] = field(default_factory=list)

    def price(self, accelerator: str) -> float:
        if accelerator not in self.prices:
            raise PriceError(f"No hourly price for accelerator '{accelerator}' (known: {', '.join(sorted(self.prices))});"
                             f" give one with --prices FILE holding `prices: {{{accelerator}: USD_PER_HOUR}}`.")
        return self.prices[accelerator]


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise PriceError(f"Price file {path} does not exist.") from None
    except OSError as e:
        raise PriceError(f"Price file {path} cannot be read: {e.strerror}.") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise PriceError(f"Price file {path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                         f"{str(e).splitlines()[0]}.") from None
    if not isinstance(data, dict):
        raise PriceError(f"Price file {path} must hold a mapping: `prices: {{accelerator: USD_PER_HOUR}}`.")
    prices = data.get("prices", data if "prices" not in data else None)
    if not isinstance(prices, dict):
        raise PriceError(f"Price file {path}: `prices` must map accelerator names to USD per hour.")
    clean = {}
    for name, value in prices.items():
        if name in ("as_of", "source", "region", "pricing"):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise PriceError(f"Price file {path}: price of '{name}' must be a number of USD per hour, not {value!r}.")
        clean[str(name)] = float(value)
    return {**{k: data[k] for k in ("as_of", "source", "region", "pricing") if k in data}, "prices": clean}


def load_prices(override: str | Path | None = None) -> PriceTable:
    """The packaged price table, with a user's YAML/JSON file laid over it (its entries win)."""
    packaged = resources.files("pybench.analysis") / "prices.yaml"
    base = yaml.safe_load(packaged.read_text())
    table = PriceTable(prices={k: float(v) for k, v in base["prices"].items()}, as_of=str(base.get("as_of")),
                       source=" ".join(str(base.get("source", "")).split()), region=base.get("region"),
                       pricing=base.get("pricing"))
    if override is not None:
        user = _read(Path(override))
        table.prices.update(user["prices"])
        table.overridden_by.append(str(override))
        for key in ("as_of", "source", "region", "pricing"):
            if key in user:
                setattr(table, key, str(user[key]))
    return table


def accelerator_count(record: dict[str, Any], override: int | None = None) -> int:
    """Accelerators serving the model: --accelerators-count, else run.json's accelerator_count (or replicas x
    accelerators per replica), else 1."""
    if override:
        return override
    for source in (record, record.get("extra") or {}):
        if isinstance(source.get("accelerator_count"), int) and source["accelerator_count"] > 0:
            return source["accelerator_count"]
        per = source.get("accelerators_per_replica")
        if isinstance(per, int) and isinstance(source.get("replicas"), int):
            return per * source["replicas"]
    return 1


def per_million(hourly_usd: float, tokens_per_s: float | None) -> float | None:
    if not tokens_per_s or tokens_per_s <= 0:
        return None
    return hourly_usd / 3600.0 / tokens_per_s * 1e6


@dataclass
class StageCost:
    stage: int | None
    hourly_usd: float
    output_usd_per_m: float | None
    input_usd_per_m: float | None


@dataclass
class RunCost:
    accelerator: str
    count: int
    price_per_hour: float
    table: PriceTable
    stages: list[StageCost]

    @property
    def best(self) -> StageCost | None:
        priced = [s for s in self.stages if s.output_usd_per_m is not None and s.stage is not None]
        return min(priced, key=lambda s: s.output_usd_per_m) if priced else None  # type: ignore[arg-type,return-value]


def stage_cost(stage: StageResult, hourly_usd: float) -> StageCost:
    return StageCost(stage.stage, hourly_usd, per_million(hourly_usd, stage.output_tokens_per_s),
                     per_million(hourly_usd, stage.input_tokens_per_s))


def run_cost(run: RunResult, table: PriceTable, accelerator: str | None = None, count: int | None = None) -> RunCost:
    name = accelerator or run.record.get("accelerator")
    if not name:
        raise PriceError(f"run {run.run_id} does not say which accelerator served it (run.json has no "
                         "'accelerator').")
    n = accelerator_count(run.record, count)
    hourly = table.price(str(name)) * n
    rows = [stage_cost(s, hourly) for s in [*run.stages, *([run.summary] if run.summary else [])]]
    return RunCost(accelerator=str(name), count=n, price_per_hour=table.price(str(name)), table=table, stages=rows)
