"""`gpufabric vpn`: the on-prem end of a site's private links as files for its operators (swanctl.conf, frr.conf).

The files come from the same link plans the cloud components declare; they hold no secret (placeholders name
the stack output to read), so they can be reviewed and committed like any configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gpufabric.cli.app import app, fail_input
from gpufabric.cli.common import emit, load
from gpufabric.cli.options import Config, Stack
from gpufabric.core.errors import InputError
from gpufabric.core.output import resolve_target, write_text
from gpufabric.decide.links import plan_links
from gpufabric.render.vpn import FILES, render_onprem

SITE_HELP = "The on-prem site whose VPN end to write (default: the only on-prem site with links)"
DIR_HELP = "Write swanctl.conf and frr.conf into DIR (atomically; DIR must exist) instead of stdout"


@app.command("vpn")
def vpn_command(
    stack: Stack = None,
    config: Config = None,
    site: Annotated[str | None, typer.Option("--site", help=SITE_HELP, metavar="NAME")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", "-d", help=DIR_HELP, metavar="DIR")] = None,
) -> None:
    """Render the on-prem end of a site's private links (strongSwan swanctl.conf and FRR bgpd)."""
    try:
        targets = [resolve_target(out_dir / name, "--out-dir") for name in FILES] if out_dir else []
        loaded = load(stack, config)
        plans = plan_links(loaded.spec)
        linked = sorted({p.onprem_site for p in plans})
        chosen = site if site is not None else (linked[0] if len(linked) == 1 else None)
        if chosen not in linked:
            raise InputError(
                "--site",
                "",
                f"an on-prem site of {loaded.path} with private links ({', '.join(linked) or 'none has links'})",
                repr(site)
                if site is not None
                else ("no --site, and more than one such site" if linked else "a stack without private links"),
            )
        files = render_onprem(chosen, loaded.stack, plans)
        if targets:
            for target, name in zip(targets, FILES, strict=True):
                write_text(target, files[name], "--out-dir")
        else:
            emit("".join(files[name] for name in FILES), None)
    except InputError as err:
        raise fail_input(err) from None
