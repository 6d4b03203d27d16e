"""The machine-type table: the facts other modules rely on, and a clear KeyError otherwise."""

from __future__ import annotations

import pytest

from gpufabric.core import hardware


@pytest.mark.parametrize(
    ("machine", "gpu", "count"),
    [
        ("p5.48xlarge", "H100", 8),
        ("p5en.48xlarge", "H200", 8),
        ("p4d.24xlarge", "A100-40GB", 8),
        ("p4de.24xlarge", "A100-80GB", 8),
        ("g6e.xlarge", "L40S", 1),
        ("g6e.12xlarge", "L40S", 4),
        ("g6e.48xlarge", "L40S", 8),
        ("g6.xlarge", "L4", 1),
        ("g5.xlarge", "A10G", 1),
        ("g2-standard-4", "L4", 1),
        ("g2-standard-24", "L4", 2),
        ("g2-standard-48", "L4", 4),
        ("a3-highgpu-8g", "H100", 8),
        ("a2-ultragpu-8g", "A100-80GB", 8),
    ],
)
def test_lookup(machine: str, gpu: str, count: int) -> None:
    m = hardware.lookup(machine)
    assert (m.gpu, m.gpus_per_node) == (gpu, count)
    assert m.gpu_memory_gib > 0


def test_unknown_machine_names_it() -> None:
    with pytest.raises(KeyError, match="m5.large"):
        hardware.lookup("m5.large")
    with pytest.raises(KeyError, match="for provider 'gcp'"):
        hardware.lookup("p5.48xlarge", "gcp")


def test_onprem_convention() -> None:
    node = hardware.onprem_node("H100", 8)
    assert (node.provider, node.gpu, node.gpus_per_node, node.gpu_memory_gib) == ("onprem", "H100", 8, 80)
    with pytest.raises(KeyError, match="unknown GPU kind"):
        hardware.onprem_node("TPUv5", 8)
