"""Opt-in API-level residency guardrails (the documents are decided in `gpufabric.decide.guardrails`)."""

from components.guardrails.component import Guardrails

__all__ = ["Guardrails"]
