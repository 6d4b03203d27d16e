"""`gpufabric new` on a terminal: every question is prompted with its default shown, a wrong answer is asked
again, and the session writes exactly the file the same answers give through `--set`. Driven through a
pseudo-terminal (the standard pty module), bounded in time."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

from tests.foundation.test_cli_plan import gpufabric_exe

DEADLINE_S = 120.0

# (question, what the user types: "" takes the default shown)
SESSION = [
    ("jurisdiction", ""),
    ("team", "research"),
    ("cost_centre", "research-llm"),
    ("country", "FR"),
    ("mirror", ""),
    ("gpu", "B200"),  # not a GPU kind of the hardware table: refused, asked again
    ("gpu", "L40S"),
    ("gpus_per_node", "2"),
    ("owned_nodes", ""),
]
SETS = ["team=research", "cost_centre=research-llm", "country=FR", "gpu=L40S", "gpus_per_node=2"]


class Terminal:
    """A child process on a pseudo-terminal: read until a pattern shows, type a line."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "TERM": "dumb", "COLUMNS": "200"}
        self.proc = subprocess.Popen(args, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.text = ""
        self.pos = 0
        self.deadline = time.monotonic() + DEADLINE_S

    def expect(self, pattern: str) -> str:
        while True:
            found = re.search(pattern, self.text[self.pos :])
            if found:
                self.pos += found.end()
                return found.group(0)
            left = self.deadline - time.monotonic()
            assert left > 0, f"timed out waiting for {pattern!r}; screen:\n{self.text}"
            ready, _, _ = select.select([self.master], [], [], min(left, 1.0))
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                assert chunk or self.proc.poll() is None, f"exited waiting for {pattern!r}; screen:\n{self.text}"
                self.text += chunk.decode("utf-8", "replace").replace("\r\n", "\n")

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        finally:
            os.close(self.master)


def test_a_terminal_session_writes_the_same_file_as_set(cli, project: Path) -> None:
    term = Terminal([str(gpufabric_exe()), "new", "demo", "--template", "onprem-airgapped"], project)
    try:
        prompts = []
        for name, answer in SESSION:
            prompts.append(term.expect(rf"{name}: [^\n]*: $"))
            term.type(answer)
        term.expect(r"next steps:")
    finally:
        code = term.close()
    assert code == 0, term.text
    assert prompts[0].endswith("[eu, us] [eu]: ")  # allowed values and the default shown
    assert "--set" not in term.text and "answer to gpu: expected gpu: one of" in term.text
    written = project / "stacks" / "Pulumi.demo.yaml"
    interactive = written.read_text(encoding="utf-8")
    written.unlink()  # free its networks: the --set run starts from the same stacks/
    args = [a for s in SETS for a in ("--set", s)]
    result = cli("new", "demo", "--template", "onprem-airgapped", "--non-interactive", *args)
    assert result.exit_code == 0, result.stderr
    assert written.read_text(encoding="utf-8") == interactive
