"""Sizing input bounds: timestamps, GPU names, plans handed back to --evaluate, CLI numbers (docs/sizing.md#bounds)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gpufabric.core.errors import InputError
from gpufabric.core.hardware import canonical_gpu, onprem_node
from gpufabric.sizing.demand import load_demand
from gpufabric.sizing.evaluate import Evaluation
from gpufabric.sizing.models import CatalogOption, Profile
from gpufabric.sizing.optimize import SolverError
from gpufabric.sizing.plan import Plan, is_unserved

from .helpers import option


@pytest.mark.parametrize(
    "stamp",
    ["nan", "inf", "-inf", "1e300", "-1", "1767571200000", "4102444801", "20250-01-01T00:00:00"],
    ids=["nan", "inf", "minus-inf", "huge", "negative", "milliseconds", "after-2100", "year-20250"],
)
def test_absurd_timestamps_are_refused_located(tmp_path: Path, stamp: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        f"timestamp,requests_per_second,mean_input_tokens,mean_output_tokens\n1767571200,1,500,200\n{stamp},1,500,200\n"
    )
    with pytest.raises(InputError) as err:
        load_demand(path, 3600)
    assert "row 3, column timestamp" in err.value.message


def test_timestamps_inside_the_bounds_read(write_series: Callable[..., Path]) -> None:
    assert len(load_demand(write_series([1.0, 2.0, 3.0]), 3600).rate) == 3


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("H100", "H100"), ("h100", "H100"), (" h200 ", "H200"), ("a100-80gb", "A100-80GB"), ("l40s", "L40S")],
    ids=["canonical", "lower", "padded", "suffix", "mixed"],
)
def test_gpu_names_match_case_insensitively(name: str, canonical: str) -> None:
    assert canonical_gpu(name) == canonical
    assert onprem_node(name, 8).gpu == canonical
    assert CatalogOption.model_validate(option("a/b", "on_demand", gpu=name)).gpu == canonical


@pytest.mark.parametrize("name", ["H1000", "", "A100"], ids=["typo", "empty", "ambiguous"])
def test_unknown_gpu_names_are_refused(name: str) -> None:
    with pytest.raises(KeyError, match="known: "):
        canonical_gpu(name)
    with pytest.raises(ValidationError, match="unknown GPU kind"):
        CatalogOption.model_validate(option("a/b", "on_demand", gpu=name))


def test_profile_keys_are_canonical_and_may_not_repeat(profile: Profile) -> None:
    raw = profile.model_dump(mode="json")
    lowered = raw | {"reference_gpu": "h100", "gpus": {k.lower(): v for k, v in raw["gpus"].items()}}
    assert set(Profile.model_validate(lowered).gpus) == set(profile.gpus)
    twice = raw | {"gpus": raw["gpus"] | {"h100": raw["gpus"]["H100"]}}
    with pytest.raises(ValidationError, match="appears twice"):
        Profile.model_validate(twice)


def _plan(profile: Profile, **changes: Any) -> dict[str, Any]:
    opt = {
        "id": "s/od",
        "provider": "aws",
        "region": "eu-north-1",
        "tier": "on_demand",
        "gpu": "H100",
        "gpus_per_node": 8,
        "capacity_per_node": 4.0,
        "availability": 1.0,
        "price_per_node_hour": 98.0,
        "committed_nodes": 0,
        "min_nodes": 0,
        "max_nodes": 4,
        "nodes": [1, 2],
    } | changes
    return {
        "unit": "u",
        "interval_seconds": 3600,
        "intervals": 2,
        "start": [0.0, 3600.0],
        "demand": [1.0, 2.0],
        "scenarios": [],
        "options": [opt],
        "excluded": [],
        "cost": {"total": 1.0, "by_tier": {}, "per_million_output_tokens": None},
        "unserved": 0.0,
        "unserved_by_interval": [0.0, 0.0],
        "binding_caps": [],
        "optimality_gap": 0.0,
        "solver_status": "Optimal",
        "jurisdiction": None,
        "profile": profile.model_dump(mode="json"),
    }


def test_a_well_formed_plan_loads(profile: Profile) -> None:
    assert Plan.model_validate(_plan(profile, gpu="h100")).options[0].gpu == "H100"


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"nodes": [1, -3]}, "greater than or equal to 0"),
        ({"committed_nodes": -1}, "greater than or equal to 0"),
        ({"gpu": "B300"}, "unknown GPU kind"),
        ({"price_per_node_hour": float("nan")}, "finite"),
        ({"gpus_per_node": 0}, "greater than or equal to 1"),
    ],
    ids=["negative-nodes", "negative-committed", "unknown-gpu", "nan-price", "zero-gpus"],
)
def test_a_hostile_plan_is_refused_before_replay(profile: Profile, changes: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        Plan.model_validate(_plan(profile, **changes))


def test_a_plan_gpu_without_a_profile_row_is_refused(profile: Profile) -> None:
    doc = _plan(profile, gpu="L4")
    doc["profile"]["gpus"].pop("L4", None)
    with pytest.raises(ValidationError, match="no row in the plan's profile"):
        Plan.model_validate(doc)


def test_evaluation_json_has_no_bare_infinity() -> None:
    assert Evaluation(1.0, 0.0, 0.0, 0.0, float("inf"), 3).as_dict()["ratio_to_hindsight"] is None


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--unserved-penalty", "-1"),
        ("--unserved-penalty", "nan"),
        ("--unserved-penalty", "inf"),
        ("--unserved-penalty", "0"),
        ("--time-limit", "-5"),
        ("--time-limit", "nan"),
    ],
    ids=["penalty-negative", "penalty-nan", "penalty-inf", "penalty-zero", "time-negative", "time-nan"],
)
def test_cli_numbers_out_of_bounds_exit_2(
    run_size: Callable[..., Any], write_series: Callable[..., Path], flag: str, value: str
) -> None:
    proc = run_size("--demand", str(write_series([1.0, 2.0])), "--stack", "eu-sovereign", f"{flag}={value}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert flag in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("unit_hours", "unserved"),
    [(0.0, False), (0.004, False), (0.005, False), (0.0051, True), (3.0, True), (float("nan"), True)],
    ids=["zero", "prints-0.00", "at-tolerance", "above", "clearly", "nan"],
)
def test_one_tolerance_for_unserved(unit_hours: float, unserved: bool) -> None:
    assert is_unserved(unit_hours) is unserved


def test_a_solver_failure_is_never_a_plan(
    monkeypatch: pytest.MonkeyPatch, write_series: Callable[..., Path], tmp_path: Path
) -> None:
    """Exit 3 and a message, no plan printed, nothing written."""
    from typer.testing import CliRunner

    import gpufabric.cli.size  # noqa: F401  (registers the command)
    from gpufabric.cli import app
    from gpufabric.sizing import plan as plan_mod

    def fail(*_: object, **__: object) -> None:
        raise SolverError("HiGHS found no solution (Time limit reached)")

    monkeypatch.setattr(plan_mod, "solve", fail)
    out = tmp_path / "plan.json"
    demand = str(write_series([1.0, 2.0]))
    result = CliRunner().invoke(app, ["size", "--demand", demand, "--stack", "eu-sovereign", "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "no plan: HiGHS found no solution" in result.output
    assert "optimality gap" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("provider", "region", "jurisdiction", "ok"),
    [
        ("aws", "us-east-1", "eu", False),
        ("aws", "eu-north-1", "us", False),
        ("aws", "eu-north-1", "eu", True),
        ("aws", "us-east-1", "us", True),
        ("neocloud", "fi-hel-1", "eu", True),  # a location the table does not know: the catalog's word stands
    ],
    ids=["eu-claimed-for-us-east-1", "us-claimed-for-eu-north-1", "eu-ok", "us-ok", "unknown-location"],
)
def test_a_catalog_jurisdiction_must_follow_from_provider_and_region(
    provider: str, region: str, jurisdiction: str, ok: bool
) -> None:
    raw = option("a/b", "on_demand", provider=provider, region=region, jurisdiction=jurisdiction)
    if ok:
        assert CatalogOption.model_validate(raw).jurisdiction == jurisdiction
    else:
        with pytest.raises(ValidationError, match="does not follow from"):
            CatalogOption.model_validate(raw)


_VALID_STACK = """\
config:
  gpufabric:fabric:
    jurisdiction: eu
    sites:
      - name: aws-stockholm
        kind: aws
        region: eu-north-1
        network: {cidr: 10.40.0.0/16, availability_zones: [eu-north-1a, eu-north-1b], egress: none}
        cluster: {kubernetes_version: "1.33"}
        tiers:
          - {name: l40s-spot, kind: spot, instance_types: [g6e.2xlarge], min: 0, max: 8}
"""


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("kind: spot", "kind: spotty", "sites[aws-stockholm].tiers[l40s-spot]"),
        ("    sites:\n      - name", "    sites: [oops]\n    x:\n      - name", "sites"),
        ("    sites:\n      - name", "    sites: 7\n    x:\n      - name", "sites"),
        ("        region: eu-north-1\n", "", "sites[aws-stockholm].region"),
    ],
    ids=["unknown-tier-kind", "site-not-a-mapping", "sites-not-a-list", "site-without-region"],
)
def test_apply_to_an_invalid_stack_exits_2_untouched(
    run_size: Callable[..., Any],
    write_catalog: Callable[..., Path],
    write_series: Callable[..., Path],
    tmp_path: Path,
    old: str,
    new: str,
    needle: str,
) -> None:
    """The spec's own error (key path by name), exit 2, no traceback, the file byte for byte as it was."""
    assert old in _VALID_STACK
    text = _VALID_STACK.replace(old, new)
    stack = tmp_path / "Pulumi.bad.yaml"
    stack.write_text(text)
    catalog = write_catalog([option("aws-stockholm/l40s-spot", "spot", gpu="L40S", max_nodes=64)])
    proc = run_size(
        "--catalog", str(catalog), "--demand", str(write_series([20.0, 60.0])), "--apply-to", str(stack)
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert str(stack) in proc.stderr and needle in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert stack.read_text() == text


def test_apply_to_a_valid_stack_still_applies(
    run_size: Callable[..., Any], write_catalog: Callable[..., Path], write_series: Callable[..., Path], tmp_path: Path
) -> None:
    stack = tmp_path / "Pulumi.good.yaml"
    stack.write_text(_VALID_STACK)
    catalog = write_catalog([option("aws-stockholm/l40s-spot", "spot", gpu="L40S", max_nodes=64)])
    proc = run_size("--catalog", str(catalog), "--demand", str(write_series([20.0, 60.0])), "--apply-to", str(stack))
    assert proc.returncode == 0, proc.stderr
    assert stack.read_text() != _VALID_STACK


SERIES_HEAD = "timestamp,requests_per_second,mean_input_tokens,mean_output_tokens,p95_input_tokens\n"
TRACE_HEAD = "timestamp,input_tokens,output_tokens\n"
T0 = 1767571200  # 2026-01-05


@pytest.mark.parametrize(
    ("text", "where", "bound"),
    [
        (
            SERIES_HEAD + f"{T0},1,500,200,900\n{T0 + 3600},1e12,500,200,900\n",
            "row 3, column requests_per_second",
            "MAX_RATE",
        ),
        (SERIES_HEAD + f"{T0},100001,500,200,900\n", "row 2, column requests_per_second", "MAX_RATE"),
        (SERIES_HEAD + f"{T0},1,1e15,200,900\n", "row 2, column mean_input_tokens", "MAX_TOKENS"),
        (SERIES_HEAD + f"{T0},1,500,1e15,900\n", "row 2, column mean_output_tokens", "MAX_TOKENS"),
        (SERIES_HEAD + f"{T0},1,500,200,10000001\n", "row 2, column p95_input_tokens", "MAX_TOKENS"),
        (TRACE_HEAD + f"{T0},1000000000000000,10\n", "row 2, column input_tokens", "MAX_TOKENS"),
        (TRACE_HEAD + f"{T0},10,1000000000000000\n", "row 2, column output_tokens", "MAX_TOKENS"),
    ],
    ids=["series-rate-1e12", "series-rate-just-above", "mean-in", "mean-out", "p95-in", "trace-in", "trace-out"],
)
def test_absurd_rates_and_token_counts_are_refused(tmp_path: Path, text: str, where: str, bound: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_demand(path, 3600)
    assert where in err.value.message and bound in err.value.message


@pytest.mark.parametrize(
    "text",
    [SERIES_HEAD + f"{T0},100000,10000000,10000000,10000000\n", TRACE_HEAD + f"{T0},10000000,10000000\n"],
    ids=["series-at-bounds", "trace-at-bounds"],
)
def test_rates_and_tokens_at_the_bounds_read(tmp_path: Path, text: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(text)
    assert len(load_demand(path, 3600)) == 1


def test_an_absurd_rate_exits_2_quickly_on_the_cli(run_size: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(SERIES_HEAD + f"{T0},1e12,500,200,900\n{T0 + 3600},1,1e15,200,900\n")
    proc = run_size("--demand", str(path), "--stack", "eu-sovereign")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "requests_per_second" in proc.stderr and "mean_input_tokens" in proc.stderr
    assert "Traceback" not in proc.stderr


def _trace(path: Path, stamps: list[int]) -> Path:
    path.write_text(TRACE_HEAD + "".join(f"{t},100,20\n" for t in stamps))
    return path


@pytest.mark.parametrize(
    ("stamps", "rows", "ok"),
    [
        ([T0, T0 + 30 * 365 * 86400, T0 + 10], "rows 3 and 4", False),  # 2056 typed for 2026, in the middle
        ([T0 + 10, T0, T0 + 7 * 86400 + 11], "rows 2 and 4", False),
        ([T0, T0 + 7 * 86400], "", True),  # exactly the bound
    ],
    ids=["decades-late-unsorted", "just-over-7-days", "at-7-days"],
)
def test_a_trace_gap_beyond_seven_days_names_both_rows(tmp_path: Path, stamps: list[int], rows: str, ok: bool) -> None:
    path = _trace(tmp_path / "t.csv", stamps)
    if ok:
        assert len(load_demand(path, 3600)) == 7 * 24 + 1
        return
    with pytest.raises(InputError) as err:
        load_demand(path, 3600)
    assert f"{rows}, column timestamp" in err.value.message and "MAX_GAP_SECONDS" in err.value.message


@pytest.mark.parametrize(
    ("kind", "count", "interval", "needle"),
    [
        ("series", 50_001, 1, "50,001 intervals"),
        ("trace", 6 * 86400, 1, "518,401 intervals"),  # six days of a trace at --interval 1s
        ("trace", 1400 * 86400, 86400, "2,017,440 windows"),  # daily intervals of 1,440 windows each
    ],
    ids=["series-too-many-rows", "trace-too-fine-interval", "trace-too-many-windows"],
)
def test_the_number_of_intervals_is_bounded(tmp_path: Path, kind: str, count: int, interval: int, needle: str) -> None:
    """Refused naming the interval length and span, before the interval arrays are allocated."""
    path = tmp_path / "d.csv"
    if kind == "series":
        path.write_text(SERIES_HEAD + "".join(f"{T0 + k},1,500,200,900\n" for k in range(count)))
    else:
        _trace(path, list(range(T0, T0 + count + 1, 7 * 86400)) + [T0 + count])
    with pytest.raises(InputError) as err:
        load_demand(path, interval)
    assert needle in err.value.message and f"of {interval:,} s: the timestamps span" in err.value.message


def test_the_interval_bound_admits_a_year_of_15_minutes(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(SERIES_HEAD + "".join(f"{T0 + 900 * k},1,500,200,900\n" for k in range(366 * 96)))
    assert len(load_demand(path, 900)) == 366 * 96


class _FakeHighs:
    """What optimize reads from a HiGHS run: a model status, the solution status, a solution, the bounds."""

    def __init__(self, status: Any, feasible: bool, n_col: int, dual_bound: float = 0.0) -> None:
        import highspy

        self.status = status
        self.n_col = n_col
        self.info = type("Info", (), {})()
        self.info.primal_solution_status = int(
            highspy.SolutionStatus.kSolutionStatusFeasible if feasible else highspy.SolutionStatus.kSolutionStatusNone
        )
        self.info.mip_dual_bound = dual_bound
        self.info.objective_function_value = dual_bound

    def getModelStatus(self) -> Any:  # noqa: N802  (HiGHS's names)
        return self.status

    def modelStatusToString(self, status: Any) -> str:  # noqa: N802
        return str(status).rsplit(".", 1)[-1]

    def getSolution(self) -> Any:  # noqa: N802
        sol = type("Solution", (), {})()
        sol.col_value = [1.0] * self.n_col if self.n_col else []
        return sol

    def getInfo(self) -> Any:  # noqa: N802
        return self.info


def _tiny_problem() -> tuple[list[Any], Any, Any]:
    import numpy as np

    from gpufabric.sizing.optimize import MilpOption

    opts = [MilpOption(capacity=4.0, price=10.0, lower=0, upper=4, committed=True)]
    return opts, np.array([[3.0], [5.0]]), np.array([1.0])


_STATUSES = ["kInfeasible", "kUnbounded", "kUnboundedOrInfeasible", "kModelError", "kSolveError", "kNotset"]


@pytest.mark.parametrize(
    ("status", "feasible"),
    [(s, True) for s in _STATUSES]
    + [("kTimeLimit", False), ("kIterationLimit", False), ("kInterrupt", False), ("kMemoryLimit", True)],
    ids=[*_STATUSES, "time-limit-no-solution", "iteration-limit-no-solution", "interrupt-no-solution", "memory"],
)
def test_every_failed_solver_status_is_a_solver_error(
    monkeypatch: pytest.MonkeyPatch, status: str, feasible: bool
) -> None:
    """Even with a full-length solution vector in hand, a failed status never becomes a plan."""
    import highspy

    from gpufabric.sizing import optimize

    monkeypatch.setattr(
        optimize, "_run", lambda lp, *_: _FakeHighs(getattr(highspy.HighsModelStatus, status), feasible, lp.num_col_)
    )
    opts, demand, weights = _tiny_problem()
    with pytest.raises(SolverError, match="HiGHS found no solution"):
        optimize.solve(opts, demand, weights, 1.0)


def test_a_feasible_but_unproven_result_states_its_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Time limit with a feasible solution: used, its status says 'not proven optimal', its gap is not 0."""
    import highspy

    from gpufabric.sizing import optimize

    monkeypatch.setattr(
        optimize, "_run", lambda lp, *_: _FakeHighs(highspy.HighsModelStatus.kTimeLimit, True, lp.num_col_, 5.0)
    )
    opts, demand, weights = _tiny_problem()
    res = optimize.solve(opts, demand, weights, 1.0)
    assert "committed counts feasible, not proven optimal (kTimeLimit)" in res.status
    # The fake's solution: one committed node (10/h, two 1-hour intervals) and 1 unit unserved in the second
    # interval at the default penalty of 10 / 1e-3 per unit-hour.
    assert res.objective == pytest.approx(20.0 + 10_000.0)
    assert res.gap == pytest.approx((10_020.0 - 5.0) / 10_020.0)


def test_a_real_solve_is_proven_optimal_with_no_gap() -> None:
    from gpufabric.sizing import optimize

    opts, demand, weights = _tiny_problem()
    res = optimize.solve(opts, demand, weights, 1.0)
    assert res.status.startswith("committed counts optimal") and res.gap == pytest.approx(0.0, abs=1e-3)
    assert list(res.committed) == [2.0]
