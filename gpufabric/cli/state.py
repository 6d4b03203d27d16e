"""`gpufabric state`: where a stack's Pulumi state and secrets key go, from its jurisdiction's state bootstrap.

The bootstrap stack (bootstrap/Pulumi.<name>.yaml) is planned offline and its outputs give the exact
`pulumi login` URL and `--secrets-provider`; `--write` puts them into Pulumi.yaml (`backend.url`) and the
stack file (`secretsprovider`), comments kept, atomically, and shows the diff.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from gpufabric.cli.app import EXIT_OK, app, fail_input
from gpufabric.cli.common import chosen_path, run_plan
from gpufabric.cli.options import Config, Stack
from gpufabric.core.errors import InputError
from gpufabric.spec import LoadedStack
from gpufabric.spec.load import load_any_stack_file, stack_name_of
from gpufabric.spec.state import LoadedBootstrap
from gpufabric.spec.state_location import BACKEND_ENV, project_file_of
from gpufabric.spec.state_write import apply, backend_edit, project_backend, secrets_edit

Bootstrap = Annotated[
    str | None,
    typer.Option(
        "--bootstrap", "-b", help="The state bootstrap stack to use (default: the one of the stack's jurisdiction)."
    ),
]
Write = Annotated[
    bool, typer.Option("--write", help="Set backend.url in Pulumi.yaml and secretsprovider in the stack file.")
]


@app.command("state")
def state_command(
    stack: Stack = None, config: Config = None, bootstrap: Bootstrap = None, write: Write = False
) -> None:
    """Print the `pulumi login` URL and `--secrets-provider` that keep a stack's state in its jurisdiction."""
    try:
        path = chosen_path(stack, config)
        loaded = load_any_stack_file(path)
        project = project_file_of(path)
        if project is None:
            raise InputError(str(path), "", "a stack file inside a Pulumi project (a Pulumi.yaml above it)", "none")
        boot = loaded if isinstance(loaded, LoadedBootstrap) else find_bootstrap(project.parent, loaded, bootstrap)
        outputs = run_plan(boot, quiet=True).outputs
        url, provider = outputs["backend_url"], outputs["secrets_provider"]
        backend = backend_edit(project, url)  # both files parsed before either is written
        edits = [secrets_edit(path, provider)]
        other = project_backend(backend.old_doc)
        if other is None or other == url:
            edits.insert(0, backend)
        name = stack_name_of(path)
        out = sys.stdout
        out.write(f"Stack {name} (jurisdiction {boot.spec.jurisdiction.name}), state bootstrap {boot.stack}:\n")
        if boot is loaded:
            out.write("  first run only, before its bucket exists: pulumi login --local (docs/state.md)\n")
        if other is not None and other != url:
            # Pulumi.yaml's backend serves the project's other stacks (another jurisdiction): never moved here.
            out.write(f"  {project}: backend.url serves other stacks ({other}); for this one:\n")
            out.write(f"  export {BACKEND_ENV}={shlex.quote(url)}\n")
        out.write(f"  pulumi login {shlex.quote(url)}\n")
        out.write(f"  pulumi stack init {name} --secrets-provider {shlex.quote(provider)}\n")
        out.write(f"  (an existing stack: pulumi stack change-secrets-provider {shlex.quote(provider)})\n")
        changed = [e for e in edits if e.changed]
        if write:
            apply(edits)
            for e in changed:
                out.write(e.diff())
            out.write(f"wrote {len(changed)} file(s)\n" if changed else "files already up to date\n")
        elif changed:
            out.write(f"{', '.join(str(e.path) for e in changed)}: not set to these yet (run with --write)\n")
    except InputError as err:
        raise fail_input(err) from None
    raise typer.Exit(EXIT_OK)


def find_bootstrap(root: Path, loaded: LoadedStack, name: str | None) -> LoadedBootstrap:
    """The state bootstrap of the stack's jurisdiction in `root`/bootstrap (or the one named)."""
    folder = root / "bootstrap"
    candidates: list[LoadedBootstrap] = []
    for path in sorted(folder.glob("Pulumi.*.yaml")):
        if name is not None and stack_name_of(path) != name:
            continue
        found = load_any_stack_file(path)
        if isinstance(found, LoadedBootstrap):
            candidates.append(found)
    jurisdiction = loaded.spec.jurisdiction.name
    if name is None:
        candidates = [c for c in candidates if c.spec.jurisdiction.name == jurisdiction]
    if len(candidates) != 1:
        what = f"bootstrap stack {name!r}" if name else f"one state bootstrap of jurisdiction {jurisdiction!r}"
        found_text = ", ".join(c.stack for c in candidates) or "none"
        raise InputError(f"{folder}", "", f"{what} (bootstrap/Pulumi.<name>.yaml; --bootstrap NAME)", found_text)
    return candidates[0]
