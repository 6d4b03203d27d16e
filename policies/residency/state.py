"""The state-location rules: Pulumi's backend and each stack's secrets key stay inside the jurisdiction.

Checkov and the compliance packs judge resources, never the tool's own state, yet the state holds every
resource's inputs and outputs (kubeconfigs, VPN keys). These stack checks judge the project's files as
`gpufabric check` read them (`StackContext.state`); where a region cannot be known offline they say so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gpufabric.core.vocabulary import POLICY_STATE_LOCATION
from gpufabric.spec.state_location import (
    BACKEND_ENV,
    HOSTED,
    PASSPHRASE_OPT_IN,
    Location,
    Setting,
    StateSettings,
    locate_backend,
    locate_secrets,
)
from policies.config import ResolvedConfig
from policies.model import Enforcement, Res, Rule, Severity, StackContext

POLICY_PASSPHRASE = "state-passphrase-opted-in"
FIX = "`gpufabric state --stack STACK` prints the settings (--write sets them; docs/state.md)"


def check_state_location(
    resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext
) -> Iterator[tuple[str, str]]:
    """Rule 11: the backend URL and the secrets provider point inside the jurisdiction."""
    state = stack.state
    if state is None:
        return
    if cfg.jurisdiction is None:
        yield "no jurisdiction to check the state location against", ""
        return
    if state.backend is None:
        yield (
            f"{state.project_file}: backend.url is not set (nor {BACKEND_ENV}): `pulumi login` defaults to the "
            f"hosted Pulumi Cloud ({HOSTED}), outside jurisdiction {cfg.jurisdiction!r}; {FIX}",
            "",
        )
        hosted = True
    else:
        hosted = urlsplit_scheme(state.backend.value) in ("http", "https")
        yield from ((m, "") for m in _judge(state.backend, locate_backend(state.backend.value, state.buckets), cfg))
    provider = _effective_provider(state, hosted)
    if provider is None:
        return
    location = locate_secrets(provider.value)
    if location.passphrase:
        if not state.passphrase_opt_in:
            yield (
                f"{provider.source}: the passphrase secrets provider keeps the key to this stack's secrets "
                f"wherever the passphrase goes, unchecked; use a KMS key in the jurisdiction ({FIX}) or opt in "
                f"with `{PASSPHRASE_OPT_IN}: true` in the stack's config",
                "",
            )
        return
    yield from ((m, "") for m in _judge(provider, location, cfg))


def check_passphrase_opted_in(
    resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext
) -> Iterator[tuple[str, str]]:
    """Rule 11b: a stack that opted into the passphrase provider is reported, never silently accepted."""
    state = stack.state
    if state is None or not state.passphrase_opt_in:
        return
    hosted = state.backend is None or urlsplit_scheme(state.backend.value) in ("http", "https")
    provider = _effective_provider(state, hosted)
    if provider is not None and locate_secrets(provider.value).passphrase:
        yield (
            f"{provider.source}: passphrase secrets provider, opted in with {PASSPHRASE_OPT_IN}: where the "
            "passphrase is kept decides where the stack's secrets can be read",
            "",
        )


def _effective_provider(state: StateSettings, hosted: bool) -> Setting | None:
    """The secrets provider Pulumi would use: the stack file's, else passphrase (salt present, or a
    self-managed backend's default), else the hosted service's own key (reported with the backend)."""
    if state.secrets is not None:
        return state.secrets
    if state.passphrase_salt or not hosted:
        where = "encryptionsalt" if state.passphrase_salt else "secretsprovider (not set: the default)"
        return Setting(f"{state.stack_file}: {where}", "passphrase")
    return None


def _judge(setting: Setting, location: Location, cfg: ResolvedConfig) -> Iterator[str]:
    if location.problem:
        yield f"{setting.source}: {location.problem}; {FIX}"
        return
    region = location.region or ""
    allowed = cfg.allows_aws(region) if location.cloud == "aws" else cfg.allows_gcp(region)
    if not allowed:
        yield (
            f"{setting.source}: {setting.value} is in {location.cloud} region {region}, outside jurisdiction "
            f"{cfg.jurisdiction!r} (allowed: {cfg.describe_allowed(location.cloud or '')}); {FIX}"
        )


def urlsplit_scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def rules(pack: str) -> tuple[Rule, ...]:
    """The state-location rules, as members of `pack` (the residency pack)."""
    return (
        Rule(
            id=POLICY_STATE_LOCATION,
            number=11,
            pack=pack,
            description="Pulumi's backend (PULUMI_BACKEND_URL or Pulumi.yaml backend.url) and each stack's "
            "secretsprovider point inside the jurisdiction: not the hosted service, not a passphrase, not another "
            "region.",
            severity=Severity.CRITICAL,
            remediation="Plan a state bootstrap (bootstrap/Pulumi.<stack>.yaml), then `gpufabric state --stack STACK "
            "--write` sets backend.url and secretsprovider from it (docs/state.md).",
            check_stack=check_state_location,
            config_keys=("jurisdiction", "allowedAwsRegions", "allowedGcpRegions"),
        ),
        Rule(
            id=POLICY_PASSPHRASE,
            number=11,
            pack=pack,
            description="A stack that opted into the passphrase secrets provider is reported.",
            severity=Severity.MEDIUM,
            remediation="Prefer a KMS key in the jurisdiction (`gpufabric state --stack STACK --write`).",
            enforcement=Enforcement.ADVISORY,
            check_stack=check_passphrase_opted_in,
        ),
    )
