"""A plan document read back (`gpufabric size --format json` or YAML): for `size --evaluate` and the gateway."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from gpufabric.core.files import read_json, read_yaml
from gpufabric.sizing.loaders import validation_errors
from gpufabric.sizing.plan import Plan


def load_plan(path: Path) -> Plan:
    """The plan in `path`; InputError (located) when it is unreadable or not a plan."""
    if path.suffix in (".yaml", ".yml"):
        data = read_yaml(path)
    else:
        data = read_json(path, what="plan JSON document (gpufabric size --format json)")
    try:
        return Plan.model_validate(data)
    except ValidationError as err:
        raise validation_errors(str(path), err) from None
