"""The gpufabric Pulumi program: read the typed stack config, declare the Fabric.

`pulumi up --stack eu-sovereign` runs this file; `gpufabric plan --stack eu-sovereign` runs the very same
file offline under Pulumi's mocks.
"""

import pulumi

from components.fabric import Fabric
from components.spec import parse_fabric

spec = parse_fabric(pulumi.Config("gpufabric").require_object("fabric"), f"stack {pulumi.get_stack()}")
fabric = Fabric("fabric", spec, stack=pulumi.get_stack())
pulumi.export("overflow", fabric.overflow)
pulumi.export("clusters", {name: site.cluster.cluster.name for name, site in fabric.sites.items()})
