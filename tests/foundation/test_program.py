"""The real Pulumi program (`__main__.py`): bad input ends the run cleanly, with key paths, never a traceback."""

from __future__ import annotations

import pulumi
import pytest

from components.program import ProgramInputError
from gpufabric.core.errors import DecisionError, InputError, InputErrors
from gpufabric.decide.placement import PlacementError
from gpufabric.offline.engine import _as_input_error
from tests.foundation.test_cli_plan import run

WHERE = "gpufabric:fabric.sites[aws-stockholm].tiers[a100-reserved].instance_types"


def test_bad_input_found_by_the_real_program_exits_2_with_its_message(base_fabric, write_stack) -> None:
    """Passes the loader, fails in the program (no listed AZ offers p4d): __main__.py's `except` ends it.

    The offline engine, like Pulumi's executor, treats only the program's RunError as a clean exit: without
    that `except`, the PlacementError escapes the program and this run ends in a traceback.
    """
    fabric = base_fabric()
    fabric["sites"][0]["tiers"] = [
        {"name": "a100-reserved", "kind": "reserved", "instance_types": ["p4d.24xlarge"], "count": 2}
    ]
    path = write_stack(fabric, name="bad")
    result = run("plan", "--config", str(path), "--format", "json")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: {WHERE}: ")
    assert "p4d.24xlarge: eu-north-1c" in result.stderr


@pytest.mark.parametrize(
    ("err", "paths"),
    [
        (InputError("stack x", WHERE, "a type", "'p9'"), [WHERE]),
        (
            InputErrors(
                [InputError("stack x", WHERE, "a"), InputError("stack x", "gpufabric:fabric.jurisdiction", "b")]
            ),
            [WHERE, "gpufabric:fabric.jurisdiction"],
        ),
        (PlacementError("no AZ offers p4d.24xlarge", WHERE), [WHERE]),
        (DecisionError("the VPC is too small"), []),
    ],
    ids=["input-error", "several", "placement", "unlocated-decision"],
)
def test_program_input_error_is_a_run_error_carrying_key_paths(err: Exception, paths: list[str]) -> None:
    wrapped = ProgramInputError.of(err)
    assert isinstance(wrapped, pulumi.RunError)  # Pulumi's executor prints its message, no traceback
    assert str(wrapped) == str(err)
    assert [e["property_path"] for e in wrapped.errors] == paths
    assert all(e["reason"] for e in wrapped.errors)


@pytest.mark.parametrize(
    "raised",
    [PlacementError("no AZ", WHERE), InputError("stack x", WHERE, "y"), RuntimeError("a bug"), pulumi.RunError("x")],
    ids=["raw-placement", "raw-input", "bug", "run-error-without-cause"],
)
def test_anything_but_the_programs_clean_exit_is_a_bug(tmp_path, raised: Exception) -> None:
    # As under `pulumi up`, where these end in a traceback: the engine re-raises them unchanged.
    assert _as_input_error(tmp_path / "Pulumi.x.yaml", raised) is raised


def test_the_programs_clean_exit_is_bad_input_in_the_users_stack_file(tmp_path) -> None:
    stack = tmp_path / "Pulumi.x.yaml"
    cause = PlacementError("no AZ offers p4d.24xlarge", WHERE)
    try:
        raise ProgramInputError.of(cause) from cause
    except ProgramInputError as wrapped:
        assert isinstance(wrapped, pulumi.InputPropertiesError)
        converted = _as_input_error(stack, wrapped)
    assert isinstance(converted, InputError)
    assert (converted.file, converted.where) == (str(stack), WHERE)
