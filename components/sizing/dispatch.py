"""Per-interval dispatch of elastic tiers: given the committed capacity, which spot/on-demand nodes run.

Used twice: by the evaluator, to replay a plan against realised demand (committed fixed, elastic options
taken cheapest capacity first within their caps), and by the optimiser's second stage, to turn the relaxed
elastic counts into integers for large problems. Vectorised over intervals with numpy.
"""

from __future__ import annotations

import numpy as np


def _cheapest_first(
    residual: np.ndarray,
    cap: np.ndarray,
    price: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    round_up: bool,
) -> np.ndarray:
    """Fill `residual` option by option in order of price per unit; `round_up` takes ceil, else floor."""
    x = np.tile(lo[:, None].astype(float), (1, residual.size))
    rem = residual - cap @ x
    for e in np.argsort(price / cap, kind="stable"):
        want = np.maximum(rem, 0.0) / cap[e]
        want = np.ceil(want - 1e-9) if round_up else np.floor(want + 1e-9)
        add = np.clip(want, 0.0, hi[e] - x[e])
        x[e] += add
        rem -= add * cap[e]
    return x


def dispatch(residual: np.ndarray, cap: np.ndarray, price: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Integer elastic node counts (options, intervals) covering `residual` as cheaply as found.

    Two candidates per interval, the cheaper kept: (a) cheapest capacity first, each option rounded up;
    (b) cheapest first rounded down, then the remainder covered by the cheapest single node that still
    fits under its cap (falling back to (a)'s rule). Candidate (a) is the documented replay rule.
    """
    residual = np.asarray(residual, dtype=float)
    if cap.size == 0:
        return np.zeros((0, residual.size))
    a = _cheapest_first(residual, cap, price, lo, hi, round_up=True)
    b = _cheapest_first(residual, cap, price, lo, hi, round_up=False)
    rem = residual - cap @ b
    need = rem > 1e-9
    if need.any():
        best_cost = np.full(residual.size, np.inf)
        best = np.full(residual.size, -1)
        for e in range(cap.size):
            ok = need & (cap[e] >= rem - 1e-9) & (b[e] < hi[e]) & (price[e] < best_cost)
            best_cost[ok], best[ok] = price[e], e
        hit = best >= 0
        b[best[hit], np.flatnonzero(hit)] += 1
        rest = need & ~hit
        b[:, rest] = a[:, rest]  # no single node covers the remainder: fall back to rule (a)
    cost_a, cost_b = price @ a, price @ b
    short_a = np.maximum(residual - cap @ a, 0)
    short_b = np.maximum(residual - cap @ b, 0)
    take_b = (short_b < short_a - 1e-9) | ((np.abs(short_b - short_a) <= 1e-9) & (cost_b < cost_a))
    return np.where(take_b[None, :], b, a)
