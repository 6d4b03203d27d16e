"""The capacity plan as a picture: demand against capacity stacked by tier, over time (headless)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gpufabric.core.output import write_with  # noqa: E402
from gpufabric.core.vocabulary import TierKind  # noqa: E402
from gpufabric.sizing.plan import Plan  # noqa: E402

COLOURS = {
    TierKind.OWNED: "#4c72b0",
    TierKind.RESERVED: "#55a868",
    TierKind.CAPACITY_BLOCK: "#8172b2",
    TierKind.SPOT: "#ccb974",
    TierKind.ON_DEMAND: "#c44e52",
}


def plot_plan(plan: Plan, path: Path) -> None:
    """Write a PNG: stacked capacity (units, after spot availability) per tier, demand as a line.

    Written atomically through gpufabric.core.output (InputError naming the path when it cannot be)."""
    x = (np.array(plan.start) - plan.start[0]) / 3600.0 if plan.start else np.arange(plan.intervals)
    fig, ax = plt.subplots(figsize=(12, 4.5), dpi=100)
    bottom = np.zeros(plan.intervals)
    for tier in TierKind:
        opts = [o for o in plan.options if o.tier == tier]
        if not opts:
            continue
        layer = sum(np.array(o.nodes, dtype=float) * o.capacity_per_node * o.availability for o in opts)
        ax.fill_between(x, bottom, bottom + layer, step="post", color=COLOURS[tier], alpha=0.8, label=tier.value)
        bottom = bottom + layer
    ax.step(x, plan.demand, where="post", color="black", linewidth=1.0, label="demand (SLO slots)")
    ax.set_xlabel("hours from start")
    ax.set_ylabel(plan.unit.split(" (")[0])
    ax.set_title(f"Capacity plan: total {plan.cost.total:,.0f} USD, unserved {plan.unserved:.2f} unit-hours")
    ax.legend(loc="upper left", ncol=6, fontsize="small")
    ax.margins(x=0)
    fig.tight_layout()
    suffix = Path(path).suffix.lstrip(".").lower()
    fmt = suffix if suffix in fig.canvas.get_supported_filetypes() else "png"  # the suffix picks, PNG otherwise
    try:
        write_with(Path(path), lambda fh: fig.savefig(fh, format=fmt), "--plot")
    finally:
        plt.close(fig)
