"""The sizing profile a stack serves with: `serving.profile` relative to the project root, else the built-in one."""

from __future__ import annotations

from pathlib import Path

from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import CONFIG_KEY
from gpufabric.sizing.loaders import default_profile_path, load_profile
from gpufabric.sizing.models import Profile
from gpufabric.spec.load import project_root
from gpufabric.spec.serving import ServingSpec


def profile_path(serving: ServingSpec, root: Path | None = None) -> Path:
    return project_root(root) / serving.profile if serving.profile else default_profile_path()


def serving_profile(serving: ServingSpec, root: Path | None = None) -> tuple[Profile, Path]:
    """The profile and the file it came from (InputError, located, when it is missing or invalid)."""
    path = profile_path(serving, root)
    if serving.profile and not path.is_file():
        raise InputError(
            str(path),
            f"{CONFIG_KEY}.serving.profile",
            "a sizing profile YAML file, relative to the project root",
            f"{serving.profile!r}: no such file",
        )
    return load_profile(path), path
