"""The real HAProxy runs the rendered gateway in front of loopback stand-ins of the three eu-sovereign sites.

The spill order and the caps come from the same decisions as the deployed gateway (`backends`), with the
stack's sites at 127.0.0.1 ports and a profile small enough to saturate: 8 GPUs per replica, 2 requests at the
SLO, so fra-onprem (16 H100) gets 2 replicas x 2 / 2 gateway replicas = maxconn 2, aws-stockholm (8 H100)
maxconn 1, gcp-eemshaven (last) uncapped. Health checks every 100 ms, one failure marks a server down: set
through HaproxyParams. Every wait is bounded (standins.WAIT_LIMIT_S, HOLD_LIMIT_S); no test sleeps.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpufabric.decide.gateway import GpuServing, ServingFacts, backends
from gpufabric.decide.haproxy import HaproxyParams, render
from gpufabric.spec import load_stack_file
from tests.gateway.standins import Gateway, StandIn, burst, by_site, free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
HAPROXY = shutil.which("haproxy")
pytestmark = pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed: `make haproxy` installs it")

FACTS = ServingFacts(  # every GPU kind of eu-sovereign's sites; the capped sites' slots come from H100 alone
    "Llama-3.1-8B", {"H100": GpuServing(8, 2), "L40S": GpuServing(1, 2), "L4": GpuServing(1, 2)}, "test profile"
)
QUEUE_TIMEOUT_MS = 300
SITES = {"fra-onprem": 2, "aws-stockholm": 1, "gcp-eemshaven": 4}  # site -> requests its stand-in admits


class Fabric:
    def __init__(self, gateway: Gateway, standins: dict[str, StandIn]) -> None:
        self.gateway = gateway
        self.standins = standins
        self.all = list(standins.values())

    def reset(self) -> None:
        for s in self.all:
            s.reset()

    def wait_states(self, expected: dict[str, str]) -> float:
        return wait_for(lambda: all(self.gateway.states().get(k) == v for k, v in expected.items()), str(expected))


@pytest.fixture(scope="module")
def fabric(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fabric]:
    folder = tmp_path_factory.mktemp("gateway")
    standins = {name: StandIn(name, admits) for name, admits in SITES.items()}
    path = REPO / "stacks" / "Pulumi.eu-sovereign.yaml"
    spec = load_stack_file(path).spec
    found = backends(spec, FACTS, {n: f"127.0.0.1:{s.port}" for n, s in standins.items()}, str(path))
    assert [(b.site, b.maxconn) for b in found] == [("fra-onprem", 2), ("aws-stockholm", 1), ("gcp-eemshaven", None)]
    port, socket_path = free_port(), folder / "admin.sock"
    params = HaproxyParams(
        bind=f"127.0.0.1:{port}",
        stats_bind=f"127.0.0.1:{free_port()}",
        runtime_socket=str(socket_path),
        queue_timeout_ms=QUEUE_TIMEOUT_MS,
        connect_timeout_ms=500,
        check_inter_ms=100,
        check_fastinter_ms=50,
        check_fall=1,
        check_rise=1,
        global_maxconn=256,  # the deployed 20000 needs ~40000 file descriptors; a test shell may allow fewer
    )
    gateway = Gateway(str(HAPROXY), render(found, params, stack="eu-sovereign"), folder, port, socket_path)
    fab = Fabric(gateway, standins)
    try:
        fab.wait_states(dict.fromkeys(SITES, "UP"))
        yield fab
    finally:
        gateway.close()
        for s in standins.values():
            s.close()


@pytest.fixture
def fab(fabric: Fabric) -> Fabric:
    fabric.reset()
    return fabric


def test_light_load_goes_to_the_preferred_site(fab: Fabric) -> None:
    results = fab.gateway.sequential(4)
    assert by_site(results) == {"fra-onprem": 4}


def test_spill_in_order_when_the_first_is_saturated(fab: Fabric) -> None:
    results = burst(fab.gateway, fab.all, 6, admitted=6)
    assert by_site(results) == {"fra-onprem": 2, "aws-stockholm": 1, "gcp-eemshaven": 3}
    assert all(s.refused == 0 and s.peak <= s.admits for s in fab.all)  # maxconn kept every site within its slots


def test_failover_when_sites_are_down_then_back_to_preferred(fab: Fabric) -> None:
    fra, stockholm = fab.standins["fra-onprem"], fab.standins["aws-stockholm"]
    fra.healthy = False  # readiness 503: the model server is not ready
    fab.wait_states({"fra-onprem": "DOWN"})
    assert by_site(fab.gateway.sequential(3)) == {"aws-stockholm": 3}
    stockholm.healthy = False
    fab.wait_states({"aws-stockholm": "DOWN"})
    assert by_site(fab.gateway.sequential(3)) == {"gcp-eemshaven": 3}
    fra.healthy = stockholm.healthy = True
    fab.wait_states(dict.fromkeys(SITES, "UP"))
    assert by_site(fab.gateway.sequential(3)) == {"fra-onprem": 3}


def test_failover_when_a_site_refuses_connections(fab: Fabric, tmp_path: Path) -> None:
    """A site whose server is gone (connection refused): checks mark it down, requests go on to the next."""
    gone = StandIn("gone", 1)
    gone.close()  # its port now refuses connections
    fab.gateway.command(f"set server spill/aws-stockholm addr 127.0.0.1 port {gone.port}")
    fab.standins["fra-onprem"].healthy = False
    try:
        fab.wait_states({"fra-onprem": "DOWN", "aws-stockholm": "DOWN"})
        assert by_site(fab.gateway.sequential(3)) == {"gcp-eemshaven": 3}
    finally:
        port = fab.standins["aws-stockholm"].port
        fab.gateway.command(f"set server spill/aws-stockholm addr 127.0.0.1 port {port}")
        fab.standins["fra-onprem"].healthy = True
        fab.wait_states(dict.fromkeys(SITES, "UP"))


def test_full_fabric_answers_a_fast_503(fab: Fabric) -> None:
    """Every site at its maxconn (the last one capped through the runtime API): the surplus waits the queue
    timeout and gets a 503, while the admitted requests are still being served."""
    fab.gateway.command("set maxconn server spill/gcp-eemshaven 2")
    try:
        results = burst(fab.gateway, fab.all, 7, admitted=5)
    finally:
        fab.gateway.command("set maxconn server spill/gcp-eemshaven 0")
    assert by_site(results) == {"fra-onprem": 2, "aws-stockholm": 1, "gcp-eemshaven": 2, "503": 2}
    waits = [seconds for status, _, seconds in results if status == 503]
    assert all(QUEUE_TIMEOUT_MS / 1000 <= s < QUEUE_TIMEOUT_MS / 1000 + 1.0 for s in waits), waits
    assert all(s.refused == 0 for s in fab.all)


def test_maxconn_change_through_the_runtime_api_without_restart(fab: Fabric) -> None:
    pid = fab.gateway.process.pid
    fab.gateway.command("set maxconn server spill/fra-onprem 1")
    try:
        assert by_site(burst(fab.gateway, fab.all, 4, admitted=4)) == {
            "fra-onprem": 1,
            "aws-stockholm": 1,
            "gcp-eemshaven": 2,
        }
    finally:
        fab.gateway.command("set maxconn server spill/fra-onprem 2")
    fab.reset()
    assert by_site(burst(fab.gateway, fab.all, 4, admitted=4)) == {
        "fra-onprem": 2,
        "aws-stockholm": 1,
        "gcp-eemshaven": 1,
    }
    assert fab.gateway.process.poll() is None and fab.gateway.process.pid == pid
