"""Errors that speak the user's language: which file, which key, what was expected, what was found.

Every bad input a user can cause (a stack file, a demand CSV, a catalog) ends as an `InputError`. The CLI
prints its message and exits 2; no traceback reaches the user.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input, located: `file` (path or description), `where` (a key path or row), expected and found."""

    def __init__(
        self,
        file: str,
        where: str,
        expected: str = "",
        found: str = "",
        hint: str = "",
        detail: str = "",
        policy: str = "",
    ) -> None:
        self.file = file
        self.where = where
        self.expected = expected
        self.found = found
        self.hint = hint
        self.detail = detail  # a whole sentence, used instead of expected/found when a rule words it itself
        self.policy = policy  # the policy-pack rule this bad input also breaks, if any (see `gpufabric check`)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        location = f"{self.file}: {self.where}" if self.where else self.file
        if self.detail:
            text = f"{location}: {self.detail.rstrip('.')}."
        else:
            text = f"{location}: expected {self.expected}"
            if self.found:
                text += f", found {self.found}"
            text += "."
        if self.hint:
            text += f" {self.hint}"
        return text


class InputErrors(InputError):
    """Several input errors found at once (so the user fixes them in one round)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        self.file = errors[0].file if errors else ""
        self.policy = errors[0].policy if errors and all(e.policy == errors[0].policy for e in errors) else ""
        Exception.__init__(self, self.message)

    @property
    def message(self) -> str:  # type: ignore[override]
        if len(self.errors) == 1:
            return self.errors[0].message
        return f"{len(self.errors)} problems:\n" + "\n".join(f"  - {e.message}" for e in self.errors)


class DecisionError(ValueError):
    """A pure decision cannot be made from the user's input (no AZ offers a type, a VPC too small)."""


# What the Pulumi program reports as the user's mistake (cleanly, as pulumi.RunError) rather than a crash.
PROGRAM_INPUT_ERRORS: tuple[type[Exception], ...] = (InputError, DecisionError)
