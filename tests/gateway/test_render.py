"""The rendered haproxy.cfg of each example stack: its golden file, and HAProxy itself accepting it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gpufabric.decide.gateway import Backend, facts_of
from gpufabric.decide.haproxy import HaproxyParams, gateway_config, maxconn_commands, render
from gpufabric.sizing.serving import serving_profile
from gpufabric.spec import load_stack_file
from tests.goldens import assert_golden

REPO = Path(__file__).resolve().parents[2]
STACKS = ["eu-sovereign", "us-cloud"]
HAPROXY = shutil.which("haproxy")
needs_haproxy = pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed: `make haproxy` installs it")


def _config(stack: str) -> str:
    path = REPO / "stacks" / f"Pulumi.{stack}.yaml"
    spec = load_stack_file(path).spec
    assert spec.serving is not None
    profile, source = serving_profile(spec.serving, REPO)
    return gateway_config(spec, facts_of(profile, str(source)), str(path), stack=stack)


@pytest.mark.golden
@pytest.mark.parametrize("stack", STACKS)
def test_golden_config(stack: str) -> None:
    assert_golden(f"haproxy/{stack}.cfg", _config(stack))


@needs_haproxy
@pytest.mark.parametrize("stack", STACKS)
def test_haproxy_accepts_the_config(stack: str, tmp_path: Path) -> None:
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(_config(stack), encoding="utf-8")
    done = subprocess.run([HAPROXY, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    # The cluster and private names do not resolve on this machine (init-addr none starts them disabled);
    # any other warning is a defect of the template.
    warnings = [w for w in (done.stdout + done.stderr).splitlines() if "WARNING" in w]
    assert all("could not resolve address" in w for w in warnings), warnings


@needs_haproxy
def test_haproxy_rejects_a_broken_config(tmp_path: Path) -> None:
    """The check above can fail: a config HAProxy refuses is reported as such."""
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(_config("us-cloud").replace("balance first", "balance firstest"), encoding="utf-8")
    done = subprocess.run([HAPROXY, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0


def test_eu_sovereign_spills_onprem_then_stockholm_then_eemshaven() -> None:
    servers = [line.split()[1:4] for line in _config("eu-sovereign").splitlines() if line.strip().startswith("server ")]
    assert servers == [
        ["fra-onprem", "vllm.inference.svc.cluster.local:8000", "maxconn"],
        ["aws-stockholm", "vllm-internal.aws-stockholm.internal:8000", "maxconn"],
        ["gcp-eemshaven", "vllm-internal.gcp-eemshaven.internal:8000", "#"],
    ]


@pytest.mark.parametrize(
    ("site", "address", "maxconn", "error"),
    [
        ("a b", "h", 1, "server name"),
        ("a", "h\n    server evil 1.2.3.4:80", 1, "address"),
        ("a", "h", 0, "at least 1"),
    ],
    ids=["space-in-name", "newline-in-address", "zero-maxconn"],
)
def test_render_refuses_values_that_are_not_haproxy_tokens(site: str, address: str, maxconn: int, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        render([Backend(site, address, 8000, maxconn)], HaproxyParams(), stack="s")


def test_maxconn_commands_name_the_spill_backend() -> None:
    found = maxconn_commands([Backend("a", "h", 1, 12), Backend("b", "h", 1, None)])
    assert found == ["set maxconn server spill/a 12", "set maxconn server spill/b 0"]
