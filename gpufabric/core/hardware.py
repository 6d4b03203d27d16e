"""The one table of machine types to GPU facts: which GPU, how many per node, how much memory each.

Sizing (capacity per node), the AWS and GCP components (node-group labels, device-plugin settings) and the
policies all need to know that a `p5.48xlarge` carries eight H100s. They read it here, so the answer is the
same everywhere. On-prem nodes have no machine type: they follow the "onprem node" convention, where the
stack gives `gpu` and `gpus_per_node` directly and `onprem_node()` builds the same record from them.

GPU kind names are canonical strings (`H100`, `H200`, `A100-80GB`, `A100-40GB`, `L40S`, `L4`, `A10G`); the
sizing profile is keyed by the same names.
"""

from __future__ import annotations

from dataclasses import dataclass

# Canonical GPU kinds and their memory in GiB (vendor data sheets).
GPU_MEMORY_GIB: dict[str, int] = {
    "H100": 80,
    "H200": 141,
    "A100-80GB": 80,
    "A100-40GB": 40,
    "L40S": 48,
    "L4": 24,
    "A10G": 24,
}


@dataclass(frozen=True)
class MachineType:
    """GPU facts of one machine type (or one on-prem node shape)."""

    name: str
    provider: str  # aws, gcp, onprem
    gpu: str
    gpus_per_node: int

    @property
    def gpu_memory_gib(self) -> int:
        """Memory of one GPU."""
        return GPU_MEMORY_GIB[self.gpu]


def _rows(provider: str, gpu: str, shapes: dict[str, int]) -> list[MachineType]:
    return [MachineType(name, provider, gpu, n) for name, n in shapes.items()]


_MACHINES: dict[tuple[str, str], MachineType] = {
    (m.provider, m.name): m
    for m in [
        # AWS
        *_rows("aws", "H100", {"p5.48xlarge": 8, "p5.4xlarge": 1}),
        *_rows("aws", "H200", {"p5en.48xlarge": 8, "p5e.48xlarge": 8}),
        *_rows("aws", "A100-40GB", {"p4d.24xlarge": 8}),
        *_rows("aws", "A100-80GB", {"p4de.24xlarge": 8}),
        *_rows(
            "aws",
            "L40S",
            {"g6e.xlarge": 1, "g6e.2xlarge": 1, "g6e.4xlarge": 1, "g6e.8xlarge": 1, "g6e.16xlarge": 1}
            | {"g6e.12xlarge": 4, "g6e.24xlarge": 4, "g6e.48xlarge": 8},
        ),
        *_rows(
            "aws",
            "L4",
            {"g6.xlarge": 1, "g6.2xlarge": 1, "g6.4xlarge": 1, "g6.8xlarge": 1, "g6.16xlarge": 1}
            | {"g6.12xlarge": 4, "g6.24xlarge": 4, "g6.48xlarge": 8},
        ),
        *_rows(
            "aws",
            "A10G",
            {"g5.xlarge": 1, "g5.2xlarge": 1, "g5.4xlarge": 1, "g5.8xlarge": 1, "g5.16xlarge": 1}
            | {"g5.12xlarge": 4, "g5.24xlarge": 4, "g5.48xlarge": 8},
        ),
        # GCP
        *_rows(
            "gcp",
            "L4",
            {"g2-standard-4": 1, "g2-standard-8": 1, "g2-standard-12": 1, "g2-standard-16": 1}
            | {"g2-standard-24": 2, "g2-standard-32": 1, "g2-standard-48": 4, "g2-standard-96": 8},
        ),
        *_rows("gcp", "H100", {"a3-highgpu-8g": 8, "a3-megagpu-8g": 8}),
        *_rows("gcp", "H200", {"a3-ultragpu-8g": 8}),
        *_rows(
            "gcp",
            "A100-80GB",
            {"a2-ultragpu-1g": 1, "a2-ultragpu-2g": 2, "a2-ultragpu-4g": 4, "a2-ultragpu-8g": 8},
        ),
        *_rows(
            "gcp",
            "A100-40GB",
            {"a2-highgpu-1g": 1, "a2-highgpu-2g": 2, "a2-highgpu-4g": 4, "a2-highgpu-8g": 8} | {"a2-megagpu-16g": 16},
        ),
    ]
}


# Instance families with Arm (Graviton) CPUs; every other GPU family here is x86_64.
ARM_FAMILIES: frozenset[str] = frozenset({"g5g"})


def cpu_architecture(instance_type: str) -> str:
    """`g5g.xlarge` -> `arm64`, `p5.48xlarge` -> `x86_64` (a node image is built for one architecture)."""
    return "arm64" if instance_type.split(".")[0] in ARM_FAMILIES else "x86_64"


_CANONICAL: dict[str, str] = {name.casefold(): name for name in GPU_MEMORY_GIB}


def canonical_gpu(name: str) -> str:
    """The canonical spelling of a GPU kind, matched case-insensitively (`h100` is `H100`), as other GPU
    tools do; KeyError with the known names when there is no such kind."""
    found = _CANONICAL.get(name.strip().casefold()) if isinstance(name, str) else None
    if found is None:
        raise KeyError(f"unknown GPU kind {name!r}; known: {', '.join(known_gpus())}")
    return found


def known_gpus() -> list[str]:
    """Every canonical GPU kind name."""
    return sorted(GPU_MEMORY_GIB)


def known_machine_types(provider: str | None = None) -> list[str]:
    """Machine type names, optionally for one provider."""
    return sorted(name for (prov, name) in _MACHINES if provider is None or prov == provider)


def lookup(instance_type: str, provider: str | None = None) -> MachineType:
    """GPU facts of a cloud machine type; KeyError with the known names when it is not in the table.

    `provider` narrows the search (machine type names do not collide today, but nothing guarantees it).
    """
    for (prov, name), machine in _MACHINES.items():
        if name == instance_type and (provider is None or prov == provider):
            return machine
    where = f" for provider {provider!r}" if provider else ""
    known = ", ".join(known_machine_types(provider))
    raise KeyError(f"unknown GPU machine type {instance_type!r}{where}; known: {known}")


def onprem_node(gpu: str, gpus_per_node: int, name: str = "onprem") -> MachineType:
    """The on-prem convention: the stack states the GPU kind and count; KeyError on an unknown kind."""
    gpu = canonical_gpu(gpu)
    if gpus_per_node < 1:
        raise KeyError(f"gpus_per_node must be at least 1, got {gpus_per_node}")
    return MachineType(name, "onprem", gpu, gpus_per_node)
