"""The container images the fabric runs itself, pinned in ONE place: repository path and version.

Images are named by their path below a registry, never with a registry host: each site pulls them from its
own allowed registry (the on-prem mirror, the in-region ECR, the in-region Artifact Registry), which serves
the upstream paths. The vLLM tag is a recent stable release of the OpenAI-compatible server image
(`vllm/vllm-openai`); it is NOT verified offline against a registry: check it with
`crane ls <mirror>/vllm/vllm-openai` before an upgrade, and mirror the same tag into every site's registry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    repository: str  # the path below a registry host (`vllm/vllm-openai`), never a host
    tag: str


VLLM = Image(repository="vllm/vllm-openai", tag="v0.11.0")
