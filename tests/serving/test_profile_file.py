"""`serving.profile` names a file under the project root: a missing one is an error naming that key and file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpufabric.core.errors import InputError
from gpufabric.sizing.serving import serving_profile
from gpufabric.spec.serving import ServingSpec


def test_a_missing_profile_names_the_key_and_the_file(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: gpufabric\nruntime: python\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        serving_profile(ServingSpec(model="m", profile="profiles/mine.yaml"), tmp_path)
    message = caught.value.message
    assert "gpufabric:fabric.serving.profile" in message
    assert str(tmp_path / "profiles" / "mine.yaml") in message and "no such file" in message
