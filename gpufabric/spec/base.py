"""Building blocks every spec model shares: the strict base model, names, escape hatches, field errors.

One home for them, so each site kind's models (aws, gcp, onprem) and each tier kind are built from the
same parts and report errors the same way.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

# Short, DNS-safe names: they end up in resource names, node group/pool names and Kubernetes labels.
Name = Annotated[str, StringConstraints(pattern=r"^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$")]
NAME_RULE = "a name of 1-24 lowercase letters, digits and '-', starting with a letter"

Escape = dict[str, Any]  # provider arguments passed through unchanged (the escape hatch), checked by decide/


class FieldError(ValueError):
    """A model-level rule broken by one field: the loader reports it at that field's key path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Strict(BaseModel):
    """Unknown keys are errors and parsed specs are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)
