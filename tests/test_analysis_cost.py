"""Cost per million tokens: the arithmetic, the price table and its overrides, accelerator counts."""

import json
from pathlib import Path

import pytest
from conftest import FIXTURES
from reportgen import lifecycle

from pybench.analysis.cost import PriceError, accelerator_count, load_prices, per_million, run_cost
from pybench.reports import load_run, parse_lifecycle
from pybench.results import RunResult


def test_arithmetic():
    # $2.00/h for 2 accelerators = $4/h = $0.001111/s; at 1000 tok/s -> $1.111 per million tokens
    assert per_million(2.0 * 2, 1000.0) == pytest.approx(4.0 / 3600 / 1000 * 1e6)
    assert per_million(4.0, 1000.0) == pytest.approx(1.1111, abs=1e-4)
    assert per_million(4.0, 0.0) is None and per_million(4.0, None) is None


def test_run_cost_per_stage():
    stage = parse_lifecycle(lifecycle(rate=4, out_tps=600.0), 0, Path("s"))  # input 2400 tok/s
    run = RunResult(run_dir="r", record={"accelerator": "nvidia-l4", "accelerator_count": 2}, stages=[stage])
    cost = run_cost(run, load_prices())
    assert cost.count == 2 and cost.price_per_hour == 0.85
    row = cost.stages[0]
    assert row.hourly_usd == pytest.approx(1.70)
    assert row.output_usd_per_m == pytest.approx(1.70 / 3600 / 600 * 1e6)
    assert row.input_usd_per_m == pytest.approx(1.70 / 3600 / 2400 * 1e6)
    assert cost.best is row
    assert run_cost(run, load_prices(), count=8).stages[0].hourly_usd == pytest.approx(0.85 * 8)


def test_packaged_table_says_when_and_where_from():
    table = load_prices()
    assert table.as_of and table.as_of != "unknown"
    assert "cloud.google.com" in table.source and table.pricing == "on-demand"
    for name in ("nvidia-l4", "nvidia-h100-80gb", "tpu-v6e-slice"):
        assert table.prices[name] > 0


def test_user_file_overrides(tmp_path):
    yaml_file = tmp_path / "p.yaml"
    yaml_file.write_text("as_of: '2026-11-30'\nsource: our contract\nprices:\n  nvidia-l4: 0.5\n  my-chip: 3\n")
    table = load_prices(yaml_file)
    assert table.prices["nvidia-l4"] == 0.5 and table.prices["my-chip"] == 3.0
    assert table.prices["nvidia-h100-80gb"] > 0  # the rest of the packaged table stays
    assert (table.as_of, table.source, table.overridden_by) == ("2026-11-30", "our contract", [str(yaml_file)])
    flat = tmp_path / "p.json"
    flat.write_text(json.dumps({"nvidia-l4": 0.7}))
    assert load_prices(flat).prices["nvidia-l4"] == 0.7


@pytest.mark.parametrize("name, text, message", [
    ("p.yaml", "prices: [1, 2]", "`prices` must map accelerator names to USD per hour"),
    ("p.yaml", "prices:\n  nvidia-l4: cheap\n", "price of 'nvidia-l4' must be a number of USD per hour, not 'cheap'"),
    ("p.yaml", "- a\n- b\n", "must hold a mapping"),
    ("p.yaml", "prices: {a: [}", "is not valid YAML"),
    ("p.json", "{nope", "is not valid JSON"),
])
def test_malformed_price_files_name_the_file(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PriceError, match=f"Price file {path}") as err:
        load_prices(path)
    assert message in str(err.value)


def test_missing_price_file(tmp_path):
    with pytest.raises(PriceError, match=f"Price file {tmp_path}/none.yaml does not exist."):
        load_prices(tmp_path / "none.yaml")


def test_unknown_accelerator_price():
    run = RunResult(run_dir="r", record={"accelerator": "nvidia-k80"})
    with pytest.raises(PriceError, match="No hourly price for accelerator 'nvidia-k80'"):
        run_cost(run, load_prices())


def test_accelerator_count_sources():
    assert accelerator_count({}) == 1
    assert accelerator_count({"accelerator_count": 4}) == 4
    assert accelerator_count({"extra": {"replicas": 3, "accelerators_per_replica": 2}}) == 6
    assert accelerator_count({"accelerator_count": 4}, override=2) == 2


def test_real_run_cost():
    run = load_run(FIXTURES / "runs" / "sim-0.7-stream")
    cost = run_cost(run, load_prices())
    s0 = run.stages[0]
    assert cost.stages[0].output_usd_per_m == pytest.approx(0.85 / 3600 / s0.output_tokens_per_s * 1e6)
