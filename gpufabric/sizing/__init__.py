"""Sizing: turn demand forecasts into capacity per site and tier, at the lowest cost that meets the SLO.

A pure Python package (no Pulumi import), in the order data flows through it:

- `models`, `loaders`: the serving profile, the capacity catalog and the price table (strict pydantic);
- `demand`: request traces and interval series -> per-interval rates, token mixes and burstiness;
- `queueing`: slots needed to keep the TTFT SLO (Erlang C corrected for burstiness), checked against the
  discrete-event simulator in `simulate`;
- `plan`: exclusion (jurisdiction, profile, SLO), the common capacity unit, and the plan document;
- `optimize`, `dispatch`: the MILP (HiGHS) and the per-interval elastic dispatch;
- `evaluate`: replay a plan on realised demand against the hindsight optimum;
- `plot`, `apply`, `stack`: the chart, writing counts back into a stack file, options from a stack.

The CLI is `gpufabric size` (gpufabric/cli/size.py); the method is described in docs/sizing.md.
"""

from gpufabric.sizing.demand import IntervalDemand, Scenario, load_demand, load_scenarios
from gpufabric.sizing.loaders import load_catalog, load_prices, load_profile
from gpufabric.sizing.models import Catalog, CatalogOption, PriceTable, Profile
from gpufabric.sizing.plan import Plan, build_plan

__all__ = [
    "Catalog",
    "CatalogOption",
    "IntervalDemand",
    "Plan",
    "PriceTable",
    "Profile",
    "Scenario",
    "build_plan",
    "load_catalog",
    "load_demand",
    "load_prices",
    "load_profile",
    "load_scenarios",
]
