"""gpufabric: the command-line tool (plan, check, size) and the offline plan engine.

The library that Pulumi programs use lives in `components/` (spec, decisions, cloud components, sizing);
the policy packs live in `policies/`. This package wires them to the terminal and to CI.
"""

__version__ = "0.1.0"
