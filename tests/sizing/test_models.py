"""Input models: the shipped data files load, the price table derives reserved prices as labelled, and
inconsistent inputs are rejected with the key that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import TierKind
from gpufabric.sizing.loaders import default_profile_path, load_catalog, load_prices, load_profile

from .helpers import EXAMPLES, option


def test_default_profile_rows_are_labelled_and_meet_the_tpot_slo() -> None:
    profile = load_profile()
    assert set(profile.gpus) == {"H100", "H200", "A100-80GB", "A100-40GB", "L40S", "L4"}
    assert profile.slo.ttft_seconds == 1.0 and profile.slo.tpot_seconds == 0.05 and profile.slo.percentile == 95
    for row in profile.gpus.values():
        assert row.label in ("measured", "extrapolated", "estimated") and row.source
        assert row.concurrency_at_slo / row.decode_tokens_per_second <= profile.slo.tpot_seconds


def test_profile_rejects_concurrency_beyond_the_tpot_slo(tmp_path: Path) -> None:
    data = yaml.safe_load(default_profile_path().read_text())
    data["gpus"]["L4"]["concurrency_at_slo"] = 100  # 100 / 550 tok/s = 182 ms per token
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="gpus.L4"):
        load_profile(path)


def test_price_table_is_dated_and_reserved_is_an_assumption() -> None:
    table = load_prices()
    assert table.as_of and "not live" in table.notice
    assert all(row.date and row.source for row in table.prices)
    od, _ = table.price("aws", "p5.48xlarge", "eu-north-1", TierKind.ON_DEMAND)
    reserved, source = table.price("aws", "p5.48xlarge", "eu-north-1", TierKind.RESERVED)
    assert reserved == pytest.approx(od * (1 - table.assumptions.reserved_discount.value))
    assert "assumption" in source
    regional, _ = table.price("aws", "p5en.48xlarge", "eu-north-1", TierKind.ON_DEMAND)
    assert regional == 67.73  # the region's own row wins over the "*" fallback
    with pytest.raises(KeyError):
        table.price("aws", "g5.xlarge", "eu-north-1", TierKind.ON_DEMAND)


def test_catalog_rules(write_catalog) -> None:
    cat = load_catalog(write_catalog([option("a", "spot"), option("b", "on_demand")]))
    assert [o.availability for o in cat.options] == [0.9, 1.0]
    with pytest.raises(InputError, match="appears twice"):
        load_catalog(write_catalog([option("a", "spot"), option("a", "spot")]))
    with pytest.raises(InputError, match=r"options\[0\]"):
        load_catalog(write_catalog([option("a", "on_demand", min_nodes=5, max_nodes=2)]))
    with pytest.raises(InputError, match="availability"):
        load_catalog(write_catalog([option("a", "on_demand", availability=0.5)]))


def test_example_catalog_loads() -> None:
    assert len(load_catalog(EXAMPLES / "catalog-eu.yaml").options) == 7
    assert load_profile(EXAMPLES / "profile-override.yaml").reference_gpu == "H100"
