"""Read profile, catalog and price-table YAML files into models, or raise a located `InputError`.

Every failure names the file and the key path (`options[2].gpu`), what was expected and what was found, so
the CLI can print it and exit 2 without a traceback.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from gpufabric.core.errors import InputError, InputErrors
from gpufabric.core.files import read_yaml
from gpufabric.sizing.models import Catalog, PriceTable, Profile

M = TypeVar("M", bound=BaseModel)

DATA = resources.files("gpufabric.sizing") / "data"


def default_profile_path() -> Path:
    return Path(str(DATA / "default_profile.yaml"))


def default_prices_path() -> Path:
    return Path(str(DATA / "default_prices.yaml"))


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "tagged-union")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_errors(file: str, err: ValidationError, prefix: str = "") -> InputErrors:
    """Pydantic's errors as located InputErrors (one per problem)."""
    problems: list[InputError] = []
    for e in err.errors(include_url=False):
        where = _loc(tuple(e["loc"]))
        if prefix:
            where = f"{prefix}.{where}" if where else prefix
        found = "" if e["type"] == "missing" else repr(e.get("input"))[:80]
        msg = e["msg"].removeprefix("Value error, ")
        expected = "the key to be present" if e["type"] == "missing" else msg
        problems.append(InputError(file, where or "(top level)", expected, found))
    return InputErrors(problems)


def load_model(path: Path, model: type[M]) -> M:
    """Read a YAML file and validate it as `model`."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(str(path), "(top level)", "a YAML mapping", type(data).__name__)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise validation_errors(str(path), err) from None


def load_profile(path: Path | None = None) -> Profile:
    """The serving profile (the shipped default when `path` is None)."""
    return load_model(path or default_profile_path(), Profile)


def load_catalog(path: Path) -> Catalog:
    return load_model(path, Catalog)


def load_prices(path: Path | None = None) -> PriceTable:
    return load_model(path or default_prices_path(), PriceTable)
