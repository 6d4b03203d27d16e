"""The on-prem end of the links as files: goldens, no secret in clear, strong proposals, only declared ranges,
and `gpufabric vpn` writing them (exit 0) or refusing a wrong site (exit 2)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from typer.testing import CliRunner

import gpufabric.cli.vpn  # noqa: F401  (registers `vpn` on the app)
from gpufabric.cli import app
from gpufabric.decide.links import plan_links
from gpufabric.render import vpn as render_vpn
from gpufabric.render.vpn import FILES, render_onprem
from gpufabric.spec import load_stack_file, parse_fabric
from tests.conftest import STACKS
from tests.goldens import assert_golden
from tests.onprem.conftest import SECRET_CONFIG

EXAMPLE = STACKS / "Pulumi.eu-sovereign.yaml"


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    loaded = load_stack_file(EXAMPLE)
    return render_onprem("fra-onprem", loaded.stack, plan_links(loaded.spec))


@pytest.mark.golden
@pytest.mark.parametrize("name", FILES)
def test_rendered_files_match_their_goldens(files, name: str) -> None:
    assert_golden(f"vpn/eu-sovereign/fra-onprem/{name}", files[name])


def test_no_secret_in_clear_only_placeholders_naming_the_stack_output(files) -> None:
    swanctl = files["swanctl.conf"]
    secrets = re.findall(r'secret = "([^"]*)"', swanctl)
    assert secrets == [
        "${links.fra-eemshaven.t1.preshared_key}", "${links.fra-eemshaven.t2.preshared_key}",
        "${links.fra-stockholm.t1.preshared_key}", "${links.fra-stockholm.t2.preshared_key}",
    ]  # fmt: skip
    assert "offline-random-password" not in swanctl
    assert "pulumi stack output links --show-secrets --stack eu-sovereign" in swanctl


def test_ikev2_only_with_the_strong_suite(files) -> None:
    swanctl = files["swanctl.conf"]
    assert set(re.findall(r"version = (\d)", swanctl)) == {"2"}
    assert set(re.findall(r"\bproposals = (\S+)", swanctl)) == {"aes256gcm16-prfsha384-ecp384"}
    assert set(re.findall(r"esp_proposals = (\S+)", swanctl)) == {"aes256gcm16-ecp384"}


def test_bgp_announces_only_the_site_ranges_to_each_cloud_asn(files) -> None:
    frr = files["frr.conf"]
    assert "router bgp 65010" in frr
    assert re.findall(r"^  network (\S+)$", frr, re.M) == ["10.60.0.0/16", "10.61.0.0/20", "10.62.0.0/22"]
    neighbors = dict(re.findall(r"^ neighbor (\S+) remote-as (\d+)$", frr, re.M))
    assert neighbors == {
        "169.254.21.1": "64601", "169.254.22.1": "64601",
        **{ip: "64602" for ip in re.findall(r"cloud (169\.254\.2\d\d\.\d+)", files["swanctl.conf"])},
    }  # fmt: skip
    assert "ip prefix-list fra-stockholm-in seq 5 permit 10.40.0.0/16 le 32" in frr


def test_a_site_without_links_renders_nothing(example_fabric) -> None:
    spec = parse_fabric(copy.deepcopy(example_fabric("eu-sovereign")))
    assert render_onprem("aws-stockholm", "x", plan_links(spec)) == {}


def test_templates_are_strict(monkeypatch, files) -> None:
    template = render_vpn._ENV.from_string("{{ missing }}")
    with pytest.raises(UndefinedError):
        template.render({})


def test_cli_writes_both_files(tmp_path: Path, files) -> None:
    result = CliRunner().invoke(app, ["vpn", "--stack", "eu-sovereign", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in FILES:
        assert (tmp_path / name).read_text(encoding="utf-8") == files[name]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(
            ["--site", "aws-stockholm"], ["with private links (fra-onprem)", "'aws-stockholm'"], id="cloud-site"
        ),
        pytest.param(["--site", "nowhere"], ["with private links (fra-onprem)", "'nowhere'"], id="unknown-site"),
        pytest.param(["--out-dir", "{tmp}/a-file"], ["--out-dir", "is not a directory"], id="out-dir-is-a-file"),
    ],
)
def test_cli_refuses_with_exit_2(tmp_path: Path, args: list[str], fragments: list[str]) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(app, ["vpn", "--stack", "eu-sovereign", *args])
    out = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert "Traceback" not in out
    for fragment in fragments:
        assert fragment in out, out
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]  # nothing written


def test_cli_needs_a_site_when_several_have_links(write_stack, example_fabric) -> None:
    d = copy.deepcopy(example_fabric("eu-sovereign"))
    muc = copy.deepcopy(d["sites"][0])
    muc.update(name="muc-onprem", network={"pods": "10.70.0.0/16", "services": "10.71.0.0/20", "nodes": "10.72.0.0/22"})
    muc["vpn"] = {"public_ips": ["85.214.10.30"], "asn": 65020}
    d["sites"].append(muc)
    d["serving"]["sites"]["muc-onprem"] = {**d["serving"]["sites"]["fra-onprem"], "internal_address": "10.72.3.240"}
    d["links"].append({"name": "muc-stockholm", "onprem": "muc-onprem", "cloud": "aws-stockholm", "cloud_asn": 64601})
    path = write_stack(d, extra_config=SECRET_CONFIG)
    result = CliRunner().invoke(app, ["vpn", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert "fra-onprem, muc-onprem" in result.output and "more than one" in result.output
    result = CliRunner().invoke(app, ["vpn", "--config", str(path), "--site", "muc-onprem"])
    assert result.exit_code == 0 and "local_addrs = 85.214.10.30" in result.output


def test_cli_on_a_stack_without_links_says_so() -> None:
    result = CliRunner().invoke(app, ["vpn", "--stack", "us-cloud"])
    assert result.exit_code == 2, result.output
    out = " ".join(result.output.split())
    assert "none has links" in out and "a stack without private links" in out and "more than one" not in out
