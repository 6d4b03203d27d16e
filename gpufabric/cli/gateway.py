"""`gpufabric gateway maxconn`: the HAProxy runtime-API commands that give a running gateway new capacities.

The caps come from the stack's committed tiers, or, with `--plan`, from the stack as a sizing plan would leave
it (`gpufabric size --apply-to`'s edit, computed in memory; nothing is written). Commands go to stdout, one per
line, for every gateway replica's runtime API (loopback port 9999 in the pod):

    kubectl -n inference-gateway port-forward pod/<gateway-pod> 9999 &
    gpufabric gateway maxconn --stack eu-sovereign --plan plan.json | while read -r c; do
      echo "$c" | socat stdio tcp:127.0.0.1:9999; done
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gpufabric.cli.app import EXIT_OK, app, fail_input
from gpufabric.cli.common import load
from gpufabric.cli.options import Config, Stack
from gpufabric.core.errors import InputError
from gpufabric.core.files import parse_yaml
from gpufabric.core.vocabulary import CONFIG_KEY
from gpufabric.decide.gateway import backends, facts_of, site_addresses, site_slots
from gpufabric.decide.haproxy import maxconn_commands
from gpufabric.sizing.apply import updated_text
from gpufabric.sizing.plan_file import load_plan
from gpufabric.sizing.serving import serving_profile
from gpufabric.spec import FabricSpec
from gpufabric.spec.load import parse_fabric, project_root

gateway_app = typer.Typer(help="The ordered-spill gateway (HAProxy) in front of every site's model server.")
app.add_typer(gateway_app, name="gateway")

PlanOption = Annotated[
    Path | None,
    typer.Option("--plan", help="a sizing plan (gpufabric size --format json): caps for its committed capacity"),
]


def _planned(path: Path, plan_path: Path) -> FabricSpec:
    """The stack's spec as `size --apply-to plan` would leave it (in memory)."""
    _, text, _ = updated_text(path, load_plan(plan_path))
    raw = parse_yaml(text, str(path))
    return parse_fabric(raw["config"][CONFIG_KEY], str(path))


@gateway_app.command("maxconn")
def maxconn(stack: Stack = None, config: Config = None, plan: PlanOption = None) -> None:
    """Print `set maxconn server spill/<site> N` for each site (0 = uncapped), per gateway replica."""
    try:
        loaded = load(stack, config)
        spec = _planned(loaded.path, plan) if plan is not None else loaded.spec
        file = str(loaded.path)
        if spec.serving is None:
            raise InputError(file, f"{CONFIG_KEY}.serving", "a serving section (model, gateway)", "nothing")
        profile, source = serving_profile(spec.serving, project_root(loaded.path.parent))
        facts = facts_of(profile, str(source))
        found = backends(spec, facts, site_addresses(spec), file)
        slots = site_slots(spec, facts, file)
    except InputError as err:
        raise fail_input(err) from None
    replicas = spec.serving.gateway.replicas
    print(f"# {loaded.stack}: {replicas} gateway replicas; send these to each one's runtime API", file=sys.stderr)
    for s in slots:
        cap = "uncapped" if s.slots is None else f"{s.slots} slots / {replicas} replicas"
        print(f"#   {s.site}: {s.basis}, {cap}", file=sys.stderr)
    sys.stdout.write("".join(f"{c}\n" for c in maxconn_commands(found)))
    raise typer.Exit(EXIT_OK)
