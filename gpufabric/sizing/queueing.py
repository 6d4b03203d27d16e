"""The queueing model: from arrivals and token mixes to the slots a fleet needs to keep its TTFT SLO.

A continuous-batching replica serving `C` requests at once within the SLO is `C` slots. A request holds a
slot for its work in replica-seconds (prefill plus decode, `GpuPerformance.work_seconds`) times `C`: the
replica's throughput is shared by the `C` requests it runs (processor sharing), so a full replica runs at
exactly its measured throughput. Requests that find every slot busy wait; TTFT is that wait plus prefill.

The fleet is then an M/G/c queue with c = slots. The number of slots is the smallest c whose Erlang-C tail
P(wait > budget) = C(c, A) * exp(-(c - A) * budget / S) stays below 1 - percentile, where A = rate * S is
the offered load in slots and budget = TTFT target - p95 prefill time. Erlang-C assumes Poisson arrivals
and exponential work; real traffic is burstier. The safety margin above A is therefore scaled by
sqrt((I + c_s^2) / 2), the Whitt/QNA heavy-traffic correction, where I is the index of dispersion of the
interval's arrival counts at the slots' holding time (1 for Poisson; see `holding_dispersion`) and c_s^2
the squared coefficient of variation of per-request work (1 for exponential). `simulate.py` checks the
result against a discrete-event simulation.
"""

from __future__ import annotations

import math

import numpy as np

from gpufabric.sizing.demand import DISPERSION_SCALES, IntervalDemand
from gpufabric.sizing.models import GpuPerformance, Profile


def erlang_c_slots(load: np.ndarray, hold: np.ndarray, weight: np.ndarray, budget: float, tail: float) -> np.ndarray:
    """Smallest integer c per row with sum_w weight * C(c, A_w) * exp(-(c - A_w) * budget / S_w) <= tail.

    Arrays are (intervals, windows): each window of an interval has its own offered load A_w and holding
    time S_w, and the tail is the request-weighted share over the interval's windows (exact Erlang C per
    window, the windows being near-stationary). Vectorised: every interval steps through candidate c
    together. The Erlang-B recursion 1/B(k) = 1 + (k/A) / B(k-1) starts at k0 = min_w(A_w - 10 sqrt(A_w))
    from the overload approximation B ~ 1 - k0/A; that start's error shrinks by prod(k/A) ~ exp(-50) before
    k reaches A, so the result equals the exact recursion from 0 in O(sqrt(A)) steps instead of O(A).
    """
    a = np.atleast_2d(np.asarray(load, dtype=float))
    s = np.where(np.atleast_2d(hold) > 0, np.atleast_2d(hold), 1.0)
    w = np.atleast_2d(np.asarray(weight, dtype=float)) * (a > 0)
    total = w.sum(axis=1)
    live = total > 0
    out = np.zeros(a.shape[0])
    if not live.any():
        return out
    a, s, w = a[live], s[live], w[live] / total[live, None]
    pos = a > 0
    floor = np.where(pos, a - 10 * np.sqrt(a), np.inf).min(axis=1)
    k = np.maximum(0.0, np.floor(floor))[:, None] * np.ones_like(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inv_b = np.where((k > 0) & pos, 1.0 / np.maximum(1 - k / np.where(pos, a, 1.0), 1e-300), 1.0)
        result = np.full(a.shape[0], np.nan)
        safe_a = np.where(pos, a, 1.0)
        while np.isnan(result).any():
            k = k + 1
            inv_b = 1.0 + (k / safe_a) * inv_b
            b = 1.0 / inv_b
            c = b / (1.0 - (a / k) * (1.0 - b))
            p = np.where(k > a, np.minimum(c, 1.0) * np.exp(-(k - a) * budget / s), 1.0)
            p = np.where(pos, p, 0.0)
            share = (w * p).sum(axis=1)
            done = (share <= tail) & np.isnan(result)
            result[done] = k[done, 0]
    out[live] = result
    return out


def service_scv(demand: IntervalDemand, perf: GpuPerformance) -> np.ndarray:
    """Squared coefficient of variation of per-request work on `perf`, per interval."""
    a = 1.0 / perf.prefill_tokens_per_second
    b = 1.0 / perf.decode_tokens_per_second
    mean = a * demand.mean_in + b * demand.mean_out
    second = a * a * demand.m2_in + 2 * a * b * demand.m2_inout + b * b * demand.m2_out
    with np.errstate(divide="ignore", invalid="ignore"):
        from_moments = np.where(mean > 0, second / (mean * mean) - 1.0, 1.0)
    scv = np.where(np.isnan(demand.service_scv), from_moments, demand.service_scv)
    return np.where(np.isnan(scv), 1.0, np.maximum(scv, 0.0))


# Quantiles of the unit exponential at the midpoints of this many equal-probability bins: the quadrature
# of `holding_dispersion`.
_EXP_NODES = -np.log1p(-(np.arange(64) + 0.5) / 64)


def holding_dispersion(curve: np.ndarray, hold: np.ndarray) -> np.ndarray:
    """Index of dispersion of arrivals at the holding-time scale: E[IDC(X)], X exponential with mean `hold`.

    The slots busy at an instant are those taken by arrivals within the last holding time, so it is the
    dispersion of counts over that span, not over one second, that drives the queue: for clumpy traffic
    the index of dispersion IDC(t) grows with the counting window t, and per-second counts understate it
    (for a fixed holding time t the busy-slot count of the infinite-server system has exactly dispersion
    IDC(t)). Erlang C takes holding times as exponential, so IDC is averaged over an exponential window
    length with mean S, a mixture approximation. IDC is piecewise linear in log t between
    `DISPERSION_SCALES` and flat beyond them (swings slower than a window are the windows' business).
    Poisson or flat-IDC traffic gives back the per-second index. `curve` is (intervals, scales), `hold`
    the mean holding time per interval.
    """
    log_scales = np.log(np.asarray(DISPERSION_SCALES))
    x = np.log(np.maximum(hold, 1e-9)[:, None] * _EXP_NODES[None, :])
    x = np.clip(x, log_scales[0], log_scales[-1])
    j = np.clip(np.searchsorted(log_scales, x, side="right") - 1, 0, len(log_scales) - 2)
    frac = (x - log_scales[j]) / (log_scales[j + 1] - log_scales[j])
    rows = np.arange(curve.shape[0])[:, None]
    values = curve[rows, j] * (1 - frac) + curve[rows, j + 1] * frac
    return values.mean(axis=1)


def wait_budget(profile: Profile, p95_input_tokens: float, gpus: list[str]) -> float:
    """Seconds a request may queue and still meet the TTFT target on the slowest-prefill GPU kind used."""
    slowest = min(profile.gpus[g].prefill_tokens_per_second for g in gpus)
    return profile.slo.ttft_seconds - p95_input_tokens / slowest


def required_slots(
    demand: IntervalDemand,
    profile: Profile,
    budget: float,
    *,
    burstiness: bool = True,
) -> np.ndarray:
    """Slots of the reference GPU kind needed per interval to keep P(TTFT > target) within the SLO.

    Burstiness enters twice: slow rate swings through the sub-interval windows, fast bursts (and the spread
    of request sizes) through z = (I + c_s^2) / 2, with I the dispersion at the holding time
    (`holding_dispersion`), by evaluating Erlang C on the equivalent Poisson system with load A / z and
    scaling its answer back by z (both keep the Halfin-Whitt beta = (c - A)/sqrt(zA)).
    `burstiness=False` gives plain Erlang C on the interval's mean rate (Poisson arrivals, exponential
    work); the tests use it to show the correction is needed on the Azure traces.
    """
    if budget <= 0:
        raise ValueError("no time left to queue: p95 prefill alone exceeds the TTFT target")
    perf = profile.gpus[profile.reference_gpu]
    conc = perf.concurrency_at_slo
    tail = 1.0 - profile.slo.percentile / 100.0
    if not burstiness:
        hold = conc * (
            demand.mean_in / perf.prefill_tokens_per_second + demand.mean_out / perf.decode_tokens_per_second
        )
        return erlang_c_slots((demand.rate * hold)[:, None], hold[:, None], demand.rate[:, None], budget, tail)
    hold_w = conc * (
        demand.window_in / perf.prefill_tokens_per_second + demand.window_out / perf.decode_tokens_per_second
    )
    load_w = demand.window_rate * hold_w
    calls = demand.window_rate.sum(axis=1)
    hold = np.divide(load_w.sum(axis=1), calls, out=np.zeros(len(calls)), where=calls > 0)
    dispersion = holding_dispersion(demand.dispersion_curve, hold)
    z = np.maximum((dispersion + service_scv(demand, perf)) / 2.0, 1e-3)
    equivalent = erlang_c_slots(load_w / z[:, None], hold_w, demand.window_rate, budget, tail)
    return np.ceil(equivalent * z - 1e-9)


def required_replicas(demand: IntervalDemand, profile: Profile, budget: float) -> np.ndarray:
    """Demand in the capacity unit: replicas of the reference GPU kind (fractional; slots / concurrency)."""
    c = profile.gpus[profile.reference_gpu].concurrency_at_slo
    return required_slots(demand, profile, budget) / c


def percentile_p95(values: np.ndarray, weights: np.ndarray) -> float:
    """Request-weighted mean of per-interval p95 prompt lengths (the horizon's representative p95)."""
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else 0.0


def ceil_int(x: float) -> int:
    return int(math.ceil(x - 1e-9))
