"""The floor for an offline plan: a bare process importing pulumi + pulumi_aws (and every other provider
module the measured plan's resource types come from, `--modules`) and registering N AWS resources (and M
components) under Pulumi's raw mocks, no gpufabric. `plan_speed.py` runs it.

    .venv/bin/python benchmarks/raw_floor.py --custom 51 --components 9 [--modules pulumi_gcp.compute,...]

Why the modules: any Pulumi program declaring a GKE cluster or a Helm release imports pulumi_gcp or
pulumi_kubernetes, and those imports (about 0.2-1.5 s each) are part of Pulumi's own floor for it.
"""

from __future__ import annotations

import argparse
import importlib

import pulumi
import pulumi_aws as aws


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}


def _declare(i: int, parent: pulumi.Resource) -> None:
    """One AWS resource of a few kinds gpufabric also declares (so the same provider modules load)."""
    opts = pulumi.ResourceOptions(parent=parent)
    tags = {"gpufabric.io/site": "floor", "index": str(i)}
    kind = i % 4
    if kind == 0:
        aws.ec2.SecurityGroup(f"sg-{i}", description="floor", vpc_id="vpc-1", tags=tags, opts=opts)
    elif kind == 1:
        aws.kms.Key(f"key-{i}", enable_key_rotation=True, tags=tags, opts=opts)
    elif kind == 2:
        aws.cloudwatch.LogGroup(f"logs-{i}", retention_in_days=365, tags=tags, opts=opts)
    else:
        aws.iam.Role(f"role-{i}", assume_role_policy='{"Version": "2012-10-17", "Statement": []}', tags=tags, opts=opts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--custom", type=int, required=True)
    parser.add_argument("--components", type=int, default=1)
    parser.add_argument("--modules", default="", help="comma-separated provider modules to import as well")
    args = parser.parse_args()
    for module in filter(None, args.modules.split(",")):
        # Pulumi's provider packages import submodules lazily (pulumi._utils._LazyModule): touching any
        # non-introspection attribute loads the module for real, as declaring one of its resources does.
        getattr(importlib.import_module(module), "_floor_loads_this_module", None)
    pulumi.runtime.set_mocks(_Mocks(), project="floor", stack="floor", preview=False)

    @pulumi.runtime.test
    def program() -> None:
        groups = [pulumi.ComponentResource("floor:index:Group", f"g{j}") for j in range(max(args.components, 1))]
        for i in range(args.custom):
            _declare(i, groups[i % len(groups)])

    program()


if __name__ == "__main__":
    main()
