"""The state bootstrap program: the bucket holding gpufabric's Pulumi state and the secrets-provider key.

`pulumi up --stack bootstrap-eu` in this folder runs this file (with local state first: docs/state.md);
`gpufabric plan --stack bootstrap-eu` runs the very same file offline under Pulumi's mocks.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's packages, as for ../__main__.py

import pulumi  # noqa: E402

from components.program import ProgramInputError  # noqa: E402
from components.state import StateStore  # noqa: E402
from gpufabric.core.errors import PROGRAM_INPUT_ERRORS  # noqa: E402
from gpufabric.spec.state import parse_state  # noqa: E402

try:
    spec = parse_state(pulumi.Config("gpufabric").require_object("state"), f"stack {pulumi.get_stack()}")
    store = StateStore("state", spec, stack=pulumi.get_stack())
except PROGRAM_INPUT_ERRORS as err:
    raise ProgramInputError.of(err) from err

pulumi.export("backend_url", store.backend_url)
pulumi.export("secrets_provider", store.secrets_provider)
if store.aws is not None:
    pulumi.export("aws_state_bucket", store.aws.bucket.bucket)
    pulumi.export("aws_secrets_key", store.aws.secrets_key.arn)
if store.gcp is not None:
    pulumi.export("gcp_state_bucket", store.gcp.bucket.name)
    pulumi.export("gcp_secrets_key", store.gcp.secrets_key.id)
