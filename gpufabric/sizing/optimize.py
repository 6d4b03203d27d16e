"""The capacity MILP: the cheapest integer node counts that cover demand in every interval and scenario.

Variables (all node counts integer):
- committed options (owned, reserved, capacity_block): one count n_j for the whole horizon, shared by all
  scenarios; owned counts are fixed at their maximum (the hardware exists and is paid for);
- elastic options (spot, on_demand): a count x_jts per interval t and scenario s within [min, max];
- unserved demand u_ts >= 0 (continuous), priced at a penalty above every option's unit cost, so that
  demand beyond every cap is reported rather than making the model infeasible.

Coverage per (t, s): sum_j cap_j * avail_j * nodes_jts + u_ts >= D_ts. Objective: committed cost over the
horizon plus the scenario-weighted expected elastic and penalty cost. Solved by HiGHS branch-and-cut; the
relative MIP gap it proves is reported with the plan.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np

from gpufabric.sizing.dispatch import dispatch

# The full MILP runs when it has at most this many elastic integers; beyond, the per-interval dispatch is the
# answer, and its distance to the proven bound is still reported as the gap.
EXACT_MAX_VARS = 200000
STAGE1_MIN_SECONDS = 10.0


@dataclass(frozen=True)
class MilpOption:
    """The optimiser's view of an option: capacity in the common unit per node, price, bounds."""

    capacity: float  # units per node, already times availability
    price: float  # per node-hour
    lower: int
    upper: int
    committed: bool


@dataclass(frozen=True)
class MilpResult:
    committed: np.ndarray  # (options,) node counts of committed options (0 for elastic ones)
    nodes: np.ndarray  # (options, intervals, scenarios)
    unserved: np.ndarray  # (intervals, scenarios), capacity units
    objective: float
    gap: float
    status: str


# Unserved demand below this many capacity units is the only shortfall a whole node may be cheaper than.
UNSERVED_RESOLUTION = 1e-3


class SolverError(RuntimeError):
    """The solver returned no solution: never reported as a plan (`gpufabric size` exits 3)."""


def unserved_penalty(options: list[MilpOption]) -> float:
    """Penalty per unit-hour of unserved demand: leaving even UNSERVED_RESOLUTION units unserved for an hour
    costs more than the dearest node-hour, so demand goes unserved only where every cap binds."""
    dearest = max((o.price for o in options), default=1.0)
    return max(dearest, 1.0) / UNSERVED_RESOLUTION


def _build(
    options: list[MilpOption], demand: np.ndarray, weights: np.ndarray, hours: float, penalty: float
) -> tuple[highspy.HighsLp, list[int], list[int]]:
    """The MILP in HiGHS's column-wise form.

    Columns: committed options, then elastic (option, t, s), then unserved (t, s); rows: coverage (t, s).
    """
    n_t, n_s = demand.shape
    com = [j for j, o in enumerate(options) if o.committed]
    ela = [j for j, o in enumerate(options) if not o.committed]
    n_rows = n_t * n_s
    rows = np.arange(n_rows, dtype=np.int32)  # row of (t, s) is t * n_s + s
    w_rows = np.tile(np.asarray(weights, dtype=float), n_t)
    n_com, n_ela = len(com), len(ela) * n_rows
    cost = [np.array([options[j].price * hours * n_t for j in com])]
    cost += [options[j].price * hours * w_rows for j in ela] + [penalty * hours * w_rows]
    lower = [np.array([options[j].lower for j in com], dtype=float)]
    lower += [np.full(n_rows, float(options[j].lower)) for j in ela] + [np.zeros(n_rows)]
    upper = [np.array([options[j].upper for j in com], dtype=float)]
    upper += [np.full(n_rows, float(options[j].upper)) for j in ela] + [np.full(n_rows, highspy.kHighsInf)]
    index = [rows] * (n_com + len(ela) + 1)
    value = [np.full(n_rows, options[j].capacity) for j in com + ela] + [np.ones(n_rows)]
    com_start = np.arange(0, n_com * n_rows + 1, n_rows)
    start = np.concatenate([com_start, com_start[-1] + np.arange(1, n_ela + n_rows + 1)])

    lp = highspy.HighsLp()
    lp.num_col_ = n_com + n_ela + n_rows
    lp.num_row_ = n_rows
    lp.col_cost_ = np.concatenate(cost)
    lp.col_lower_ = np.concatenate(lower)
    lp.col_upper_ = np.concatenate(upper)
    lp.row_lower_ = demand.reshape(-1)
    lp.row_upper_ = np.full(n_rows, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(index).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(value)
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = n_rows
    return lp, com, ela


def _quiet_highs() -> highspy.Highs:
    """A Highs instance whose one-time copyright banner does not reach stdout (it would break JSON output).

    The banner is printed by C++ into the process's stdout on first construction; fd 1 points at
    /dev/null meanwhile and C stdio is flushed before it is restored.
    """
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _BANNER_SHOWN = True
    return h


_BANNER_SHOWN = False


# Statuses where HiGHS stopped early; its solution is used only when it reports that solution feasible, and
# is then "feasible, not proven optimal" (the gap says how far). Every other status (infeasible, unbounded,
# model/presolve/solve/postsolve error, memory limit, unknown) is a SolverError: never a plan.
_STOPPED = frozenset(
    {
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kInterrupt,
        highspy.HighsModelStatus.kHighsInterrupt,
        highspy.HighsModelStatus.kSolutionLimit,
    }
)
_FEASIBLE = int(highspy.SolutionStatus.kSolutionStatusFeasible)


def _outcome(h: highspy.Highs, n_col: int) -> tuple[np.ndarray | None, bool, str]:
    """(solution or None when HiGHS has no feasible one, proven optimal?, HiGHS's status text)."""
    status = h.getModelStatus()
    text = h.modelStatusToString(status)
    optimal = status == highspy.HighsModelStatus.kOptimal
    usable = optimal or (status in _STOPPED and int(h.getInfo().primal_solution_status) == _FEASIBLE)
    sol = np.asarray(h.getSolution().col_value)
    if not usable or sol.size != n_col or not np.all(np.isfinite(sol)):
        return None, False, text
    return sol, optimal, text


def _run(lp: highspy.HighsLp, gap: float, time_limit: float, start: np.ndarray | None = None) -> highspy.Highs:
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("time_limit", float(time_limit))
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(start)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    return h


def solve(
    options: list[MilpOption],
    demand: np.ndarray,
    weights: np.ndarray,
    hours: float,
    *,
    penalty: float | None = None,
    gap: float = 1e-3,
    time_limit: float = 30.0,
) -> MilpResult:
    """Solve the MILP; `demand` is (intervals, scenarios) in units, `weights` (scenarios,) sum to 1.

    Stage 1 (HiGHS) keeps the committed counts integer and relaxes the elastic ones: a MILP with a handful
    of integer variables; its dual bound is a valid lower bound of the full problem. Given those committed
    counts the intervals decouple and the elastic integers are dispatched per interval (`dispatch`).
    Stage 2: HiGHS solves the full MILP from that start (up to EXACT_MAX_VARS elastic integers) for what
    remains of `time_limit`, keeping the best solution found. The reported gap is
    (final cost - best proven bound) / final cost, a bound on the distance to the integer optimum; on a
    year of hours branch-and-bound may not close it within the limit, and the gap says so.
    """
    began = time.monotonic()
    demand = np.maximum(np.asarray(demand, dtype=float), 0.0)
    n_t, n_s = demand.shape
    n_o = len(options)
    penalty = unserved_penalty(options) if penalty is None else penalty
    lp, com, ela = _build(options, demand, weights, hours, penalty)
    n_com, n_rows = len(com), n_t * n_s
    n_ela = len(ela) * n_rows
    kinds = highspy.HighsVarType
    lp.integrality_ = [kinds.kInteger] * n_com + [kinds.kContinuous] * (n_ela + n_rows)
    # Stage 1 has a handful of integers and takes well under a second even for a year of hours; it always
    # gets at least STAGE1_MIN_SECONDS, so that a tiny --time-limit cannot return an unsolved plan.
    h1 = _run(lp, gap, max(time_limit, STAGE1_MIN_SECONDS))
    sol1, optimal1, text1 = _outcome(h1, lp.num_col_)
    if sol1 is None:
        raise SolverError(f"HiGHS found no solution ({text1})")
    # An LP's objective bounds the optimum only when it is optimal; a MIP's dual bound always does.
    bound = (
        float(h1.getInfo().mip_dual_bound) if n_com else (h1.getInfo().objective_function_value if optimal1 else 0.0)
    )
    if not np.isfinite(bound):
        bound = 0.0  # nothing proven: the gap is then reported as 100%

    committed_counts = np.round(sol1[:n_com])
    cap = np.array([options[j].capacity for j in ela])
    price = np.array([options[j].price for j in ela])
    lo = np.array([options[j].lower for j in ela], dtype=float)
    hi = np.array([options[j].upper for j in ela], dtype=float)
    residual = demand.reshape(-1) - sum(options[j].capacity * committed_counts[k] for k, j in enumerate(com))
    relaxed = sol1[n_com : n_com + n_ela].reshape(len(ela), n_rows)
    x = dispatch(residual, cap, price, lo, hi, relaxed=relaxed)
    start = np.concatenate(
        [
            committed_counts,
            x.reshape(-1),
            np.maximum(residual - cap @ x, 0.0) if ela else np.maximum(residual, 0.0),
        ]
    )
    committed_text = (
        "committed counts optimal" if optimal1 else f"committed counts feasible, not proven optimal ({text1})"
    )
    sol, status = start, f"{committed_text}; elastic counts dispatched per interval"
    remaining = time_limit - (time.monotonic() - began)
    if 0 < n_ela <= EXACT_MAX_VARS and remaining > 0.2:
        # Small enough: the full MILP (committed and elastic integer) from the dispatched start; its own
        # dual bound is then the tightest bound available.
        lp.integrality_ = [kinds.kInteger] * (n_com + n_ela) + [kinds.kContinuous] * n_rows
        h2 = _run(lp, gap, remaining, start)
        sol2, optimal2, text2 = _outcome(h2, lp.num_col_)
        if sol2 is not None:  # else the dispatched start (feasible by construction) stands
            sol, status = sol2, text2 if optimal2 else f"feasible, not proven optimal ({text2})"
            bound = max(bound, float(h2.getInfo().mip_dual_bound))

    committed = np.zeros(n_o)
    nodes = np.zeros((n_o, n_t, n_s))
    for k, j in enumerate(com):
        committed[j] = round(sol[k])
        nodes[j] = committed[j]
    for k, j in enumerate(ela):
        nodes[j] = np.round(sol[n_com + k * n_rows : n_com + (k + 1) * n_rows]).reshape(n_t, n_s)
    # Unserved from the rounded counts, so that coverage + unserved >= demand holds exactly.
    cover = np.einsum("j,jts->ts", np.array([o.capacity for o in options]), nodes)
    unserved = np.maximum(demand - cover, 0.0)
    unserved[unserved < 1e-9] = 0.0
    prices = np.array([o.price for o in options])
    objective = float(
        hours * np.einsum("j,jts,s->", prices, nodes, weights) + penalty * hours * (unserved @ weights).sum()
    )
    rel_gap = max(0.0, (objective - bound) / objective) if objective > 0 else 0.0
    return MilpResult(committed, nodes, unserved, objective, rel_gap, status)
