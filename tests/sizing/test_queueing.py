"""The queueing model against the discrete-event simulator: on Poisson traffic (where Erlang C is exact)
and on the real Azure traces (where the burstiness correction has to earn its keep)."""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from gpufabric.sizing.demand import load_demand
from gpufabric.sizing.models import Profile
from gpufabric.sizing.queueing import erlang_c_slots, required_slots, wait_budget
from gpufabric.sizing.simulate import fcfs_waits, min_slots_for_slo, simulate_ttft, ttft_percentile

from .helpers import trace_path


def erlang_c(c: int, a: float) -> float:
    """Textbook Erlang C (probability of waiting), from the Erlang B recursion started at 0."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b / (1 - (a / c) * (1 - b))


def test_fast_recursion_matches_textbook_erlang_c() -> None:
    for a in (0.3, 5.0, 37.5, 400.0, 2500.0):
        c = int(erlang_c_slots(np.array([[a]]), np.array([[1.0]]), np.array([[1.0]]), 0.0, 0.05)[0])
        assert erlang_c(c, a) <= 0.05 < (erlang_c(c - 1, a) if c - 1 > a else 1.0)


def test_erlang_c_tail_matches_simulation_on_poisson_traffic() -> None:
    rng = np.random.default_rng(7)
    n, load, hold = 200_000, 40.0, 5.0
    arrivals = np.cumsum(rng.exponential(hold / load, n))
    holds = rng.exponential(hold, n)
    for slots, budget in ((46, 0.0), (50, 0.5)):
        waits = fcfs_waits(arrivals, holds, slots)[10_000:]
        simulated = float((waits > budget).mean())
        formula = erlang_c(slots, load) * math.exp(-(slots - load) * budget / hold)
        assert simulated == pytest.approx(formula, abs=0.02)


def _read_trace(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    ts = np.array([datetime.fromisoformat(r["TIMESTAMP"]).timestamp() for r in rows])
    return (
        ts - ts[0],
        np.array([float(r["ContextTokens"]) for r in rows]),
        np.array([float(r["GeneratedTokens"]) for r in rows]),
    )


def _model_and_des(kind: str, speedup: float, profile: Profile, tmp_path: Path) -> tuple[int, int, int, float]:
    """(model slots, plain Erlang-C slots, fewest slots meeting the SLO in the DES, DES p95 at model)."""
    ts, tin, tout = _read_trace(trace_path(kind))
    ts = ts / speedup  # the same arrival pattern, `speedup` times the traffic
    path = tmp_path / f"{kind}-{speedup}.csv"
    lines = [f"{t:.6f},{int(i)},{int(o)}" for t, i, o in zip(ts, tin, tout, strict=True)]
    path.write_text("timestamp,input_tokens,output_tokens\n" + "\n".join(lines) + "\n")
    demand = load_demand(path, 3600)
    budget = wait_budget(profile, float(demand.p95_in[0]), [profile.reference_gpu])
    model = int(required_slots(demand, profile, budget)[0])
    plain = int(required_slots(demand, profile, budget, burstiness=False)[0])
    perf = profile.gpus[profile.reference_gpu]
    des = min_slots_for_slo(ts, tin, tout, perf, profile.slo.ttft_seconds, profile.slo.percentile)
    p95 = ttft_percentile(simulate_ttft(ts, tin, tout, perf, model), profile.slo.percentile)
    return model, plain, des, p95


@pytest.mark.parametrize("speedup", [1.0, 4.0, 16.0])
def test_model_matches_simulation_on_the_conversation_trace(profile: Profile, tmp_path: Path, speedup: float) -> None:
    model, plain, des, p95 = _model_and_des("conv", speedup, profile, tmp_path)
    assert abs(model - des) <= 0.10 * des + 2, (model, des)
    assert p95 <= profile.slo.ttft_seconds * 1.25


@pytest.mark.parametrize("speedup", [1.0, 4.0, 16.0])
def test_burstiness_correction_on_the_code_trace(profile: Profile, tmp_path: Path, speedup: float) -> None:
    """The code trace arrives in clumps whose index of dispersion grows from ~10 per second to ~50 over a
    slot's holding time: plain Erlang C under-provisions by 2-5x; the model, reading the dispersion at the
    holding time, lands within 15% of the simulated need and never more than 10% under it (measured
    numbers in docs/sizing.md)."""
    model, plain, des, _ = _model_and_des("code", speedup, profile, tmp_path)
    assert plain < 0.7 * des  # Poisson assumptions fail here
    assert abs(model - des) < abs(plain - des)
    assert abs(model - des) <= 0.15 * des + 2, (model, des)
    assert model >= 0.90 * des, (model, des)
