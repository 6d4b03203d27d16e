"""The gpufabric Pulumi program: read the typed stack config, declare the Fabric.

`pulumi up --stack eu-sovereign` runs this file; `gpufabric plan --stack eu-sovereign` runs the very same
file offline under Pulumi's mocks. Bad input ends the run with its message and key paths, never a traceback
(components/program.py).
"""

import pulumi

from components.fabric import Fabric
from components.program import ProgramInputError
from gpufabric.core.errors import PROGRAM_INPUT_ERRORS
from gpufabric.decide.links import STACK_OUTPUT
from gpufabric.spec import parse_fabric

try:
    spec = parse_fabric(pulumi.Config("gpufabric").require_object("fabric"), f"stack {pulumi.get_stack()}")
    fabric = Fabric("fabric", spec, stack=pulumi.get_stack())
except PROGRAM_INPUT_ERRORS as err:
    raise ProgramInputError.of(err) from err

pulumi.export("overflow", fabric.overflow)
pulumi.export(STACK_OUTPUT, {name: link.tunnel_outputs for name, link in fabric.links.items()})
pulumi.export("clusters", {name: site.cluster_name for name, site in fabric.sites.items()})
