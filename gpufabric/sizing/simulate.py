"""A small discrete-event simulator of a slot pool, used to validate the queueing model on real traces.

It replays request arrivals (from a trace, or synthetic Poisson ones) against `slots` FCFS servers, each
request holding a slot for `concurrency * work` seconds (the processor-sharing view of `queueing.py`), and
returns each request's time to first token: its wait for a slot plus its prefill time. No approximation
beyond the slot model itself, so disagreement with `queueing.required_slots` measures the model's error.
"""

from __future__ import annotations

import heapq

import numpy as np

from gpufabric.sizing.models import GpuPerformance


def fcfs_waits(arrivals: np.ndarray, holds: np.ndarray, slots: int) -> np.ndarray:
    """Waiting time of each request in a FCFS queue in front of `slots` identical servers."""
    if slots < 1:
        raise ValueError("need at least one slot")
    order = np.argsort(arrivals, kind="stable")
    free = [0.0] * slots  # times at which each slot becomes free
    heapq.heapify(free)
    waits = np.empty(len(arrivals))
    for i in order:
        t = float(arrivals[i])
        earliest = free[0]
        start = t if earliest <= t else earliest
        heapq.heapreplace(free, start + float(holds[i]))
        waits[i] = start - t
    return waits


def simulate_ttft(
    arrivals: np.ndarray,
    input_tokens: np.ndarray,
    output_tokens: np.ndarray,
    perf: GpuPerformance,
    slots: int,
) -> np.ndarray:
    """Time to first token of every request when `slots` slots of GPU kind `perf` serve the trace."""
    work = input_tokens / perf.prefill_tokens_per_second + output_tokens / perf.decode_tokens_per_second
    holds = perf.concurrency_at_slo * work
    return fcfs_waits(arrivals, holds, slots) + input_tokens / perf.prefill_tokens_per_second


def ttft_percentile(ttft: np.ndarray, percentile: float, warmup: int = 0) -> float:
    """The TTFT percentile, ignoring the first `warmup` requests (the empty-system start)."""
    return float(np.percentile(ttft[warmup:], percentile))


def min_slots_for_slo(
    arrivals: np.ndarray,
    input_tokens: np.ndarray,
    output_tokens: np.ndarray,
    perf: GpuPerformance,
    ttft_target: float,
    percentile: float,
    hi: int = 4096,
) -> int:
    """The fewest slots with which the simulated TTFT percentile meets the target (bisection)."""
    lo = 1
    while lo < hi:
        mid = (lo + hi) // 2
        p = ttft_percentile(simulate_ttft(arrivals, input_tokens, output_tokens, perf, mid), percentile)
        if p <= ttft_target:
            hi = mid
        else:
            lo = mid + 1
    return lo
