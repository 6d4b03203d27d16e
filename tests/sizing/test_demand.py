"""Demand parsing: both CSV shapes, within-interval statistics, and located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpufabric.core.errors import InputError
from gpufabric.sizing.demand import (
    DISPERSION_SCALES,
    load_demand,
    load_scenarios,
    parse_demand_arg,
    parse_interval,
)

from .helpers import trace_path


def test_azure_trace_headers_and_burstiness() -> None:
    conv = load_demand(trace_path("conv"), 3600)
    code = load_demand(trace_path("code"), 3600)
    assert len(conv) == 1 and conv.rate[0] > 0
    # The code trace arrives in clumps; the conversation trace is near-Poisson.
    assert code.dispersion[0] > 3 * conv.dispersion[0]
    assert 0.5 < conv.dispersion[0] < 3
    assert conv.window_rate.shape == (1, 60)


def test_trace_interval_rate_is_counted_per_covered_second(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    rows = [f"{1000 + k * 0.5},100,10" for k in range(7200)]  # 2 rps for one hour
    path.write_text("timestamp,input_tokens,output_tokens\n" + "\n".join(rows) + "\n")
    d = load_demand(path, 3600)
    assert len(d) == 1
    assert d.rate[0] == pytest.approx(2.0, rel=1e-3)
    assert d.mean_in[0] == 100 and d.mean_out[0] == 10
    assert d.dispersion[0] == pytest.approx(0.0, abs=1e-9)  # perfectly regular arrivals


def test_dispersion_curve_grows_with_the_counting_scale_for_clumpy_traffic(tmp_path: Path) -> None:
    """Poisson arrivals have index of dispersion ~1 at every counting scale; arrivals in 5-second spells of
    a Poisson stream (a burst process with IDC(t) rising up to the spell length) have per-second dispersion
    well below their 5-second one, and the curve flattens past the spell length."""
    rng = np.random.default_rng(3)
    poisson = np.cumsum(rng.exponential(1 / 4.0, 4 * 3600))
    spells = np.arange(0, 3600, 5.0)[rng.random(720) < 0.2]  # 20% of 5-second slots are "on"
    clumpy = np.concatenate([s + np.sort(rng.uniform(0, 5, rng.poisson(20 * 5))) for s in spells])
    curves = {}
    for name, ts in (("poisson", poisson[poisson < 3600]), ("clumpy", clumpy)):
        path = tmp_path / f"{name}.csv"
        path.write_text("timestamp,input_tokens,output_tokens\n" + "\n".join(f"{1000 + t:.4f},100,10" for t in ts))
        d = load_demand(path, 3600)
        assert d.dispersion_curve.shape == (1, len(DISPERSION_SCALES))
        curves[name] = d.dispersion_curve[0]
        assert curves[name][0] == pytest.approx(d.dispersion[0], rel=0.05)
    assert np.all(np.abs(curves["poisson"] - 1) < 0.5)  # 60 or more degrees of freedom per scale
    scale = dict(zip(DISPERSION_SCALES, curves["clumpy"], strict=True))
    assert scale[5.0] > 3 * scale[1.0] > 3 * 10  # ~20 per on-second, on 20% of the time
    assert scale[30.0] == pytest.approx(scale[5.0], rel=0.4)


def test_series(write_series) -> None:
    d = load_demand(write_series([1.0, 2.0, 3.0]), 3600)
    assert list(d.rate) == [1.0, 2.0, 3.0]
    assert np.all(d.dispersion == 1.0) and np.all(d.p95_in == 1500)
    assert np.all(d.dispersion_curve == 1.0)  # a series' dispersion stands for every counting scale


def test_series_spacing_must_match_interval(write_series) -> None:
    with pytest.raises(InputError, match="row 3, column timestamp"):
        load_demand(write_series([1.0, 2.0]), 900)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("timestamp,input_tokens\n1,2\n", "header"),
        ("timestamp,input_tokens,output_tokens\n1,-2,3\n", "row 2, column input_tokens"),
        ("timestamp,input_tokens,output_tokens\n1,2,3\n2,abc,3\n", "row 3, column input_tokens"),
        ("timestamp,input_tokens,output_tokens\nyesterday,2,3\n", "row 2, column timestamp"),
        ("", "empty file"),
        ("timestamp,input_tokens,output_tokens\n", "row 2"),
    ],
)
def test_bad_demand_is_located(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_demand(path, 3600)
    assert str(path) in err.value.message and where in err.value.message


def test_scenarios_weights_and_grid(write_series) -> None:
    a = write_series([1.0, 2.0], "a.csv")
    b = write_series([2.0, 4.0], "b.csv")
    sc = load_scenarios([f"{a}:0.6", f"{b}:0.2"], 3600)
    assert [s.weight for s in sc] == pytest.approx([0.75, 0.25])
    assert [s.weight for s in load_scenarios([str(a), str(b)], 3600)] == [0.5, 0.5]
    c = write_series([1.0], "c.csv")
    with pytest.raises(InputError, match="same 2 intervals"):
        load_scenarios([str(a), str(c)], 3600)


def test_small_parsers() -> None:
    assert parse_interval("1h") == 3600 and parse_interval("15m") == 900 and parse_interval("60") == 60
    with pytest.raises(InputError):
        parse_interval("0h")
    assert parse_demand_arg("x.csv:0.4") == (Path("x.csv"), 0.4)
    assert parse_demand_arg("x.csv") == (Path("x.csv"), None)
