"""The state bootstrap's components: where Pulumi keeps the fabric's state and its secrets key."""

from components.state.store import StateStore

__all__ = ["StateStore"]
