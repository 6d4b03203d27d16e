"""Opt-in API-level residency guardrails: the pure documents (`policies`) and the component."""

from components.guardrails.policies import gcp_allowed_locations, region_deny_scp, scp_json

__all__ = ["Guardrails", "gcp_allowed_locations", "region_deny_scp", "scp_json"]


def __getattr__(name: str):  # the component imports Pulumi; the documents do not
    if name == "Guardrails":
        from components.guardrails.component import Guardrails

        return Guardrails
    raise AttributeError(name)
