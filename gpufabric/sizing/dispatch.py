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


def _best_single_node(
    residual: np.ndarray, x: np.ndarray, cap: np.ndarray, price: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Cover what `x` leaves of `residual` with the cheapest single node that fits under its cap."""
    x = x.copy()
    rem = residual - cap @ x
    need = rem > 1e-9
    best_cost = np.full(residual.size, np.inf)
    best = np.full(residual.size, -1)
    for e in range(cap.size):
        ok = need & (cap[e] >= rem - 1e-9) & (x[e] < hi[e]) & (price[e] < best_cost)
        best_cost[ok], best[ok] = price[e], e
    hit = best >= 0
    x[best[hit], np.flatnonzero(hit)] += 1
    return x


def dispatch(
    residual: np.ndarray,
    cap: np.ndarray,
    price: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    relaxed: np.ndarray | None = None,
) -> np.ndarray:
    """Integer elastic node counts (options, intervals) covering `residual` as cheaply as found.

    Candidates per interval; the one with the least shortfall, then the least cost, is kept:
    (a) cheapest capacity first, each option rounded up (the documented replay rule);
    (b) cheapest first rounded down, the remainder covered by the cheapest single node under its cap;
    and, when the optimiser passes its LP-relaxed counts, (c) those rounded up and (d) those rounded down
    plus the cheapest single node.
    """
    residual = np.asarray(residual, dtype=float)
    if cap.size == 0:
        return np.zeros((0, residual.size))
    candidates = [
        _cheapest_first(residual, cap, price, lo, hi, round_up=True),
        _best_single_node(residual, _cheapest_first(residual, cap, price, lo, hi, round_up=False), cap, price, hi),
    ]
    if relaxed is not None:
        low, high = lo[:, None], hi[:, None]
        candidates.append(np.clip(np.ceil(relaxed - 1e-7), low, high))
        candidates.append(_best_single_node(residual, np.clip(np.floor(relaxed + 1e-7), low, high), cap, price, hi))
    best = candidates[0]
    for cand in candidates[1:]:
        short_best = np.maximum(residual - cap @ best, 0)
        short_cand = np.maximum(residual - cap @ cand, 0)
        tie = np.abs(short_cand - short_best) <= 1e-9
        better = (short_cand < short_best - 1e-9) | (tie & (price @ cand < price @ best))
        best = np.where(better[None, :], cand, best)
    return best
