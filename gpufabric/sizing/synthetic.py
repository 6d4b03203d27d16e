"""Synthetic multi-week demand for examples and benchmarks: the scenario's claims-assistant traffic.

Office-hours weekday peaks (5-10x the night trough), Monday-morning spikes, quiet weekends, month-end
bursts, ~25%/year growth, multiplicative noise. Within-interval burstiness is not synthesised: callers pass
the index of dispersion measured on a real trace (the Azure traces) as the `dispersion` column.
"""

from __future__ import annotations

import numpy as np

START = 1767571200.0  # 2026-01-05 00:00 UTC, a Monday


def hourly_rate(
    hours: int,
    peak_rps: float = 250.0,
    growth_per_year: float = 0.25,
    noise: float = 0.08,
    seed: int = 0,
    start: float = START,
) -> np.ndarray:
    """Requests per second for each hour from `start`."""
    rng = np.random.default_rng(seed)
    t = np.arange(hours)
    hod = (t % 24).astype(float)
    dow = (t // 24) % 7
    office = np.exp(-0.5 * ((hod - 13.0) / 3.2) ** 2)  # office-hours bell, peak early afternoon
    weekday = dow < 5
    shape = 0.12 + np.where(weekday, 0.88 * office, 0.15 * office)
    shape *= np.where((dow == 0) & (hod >= 8) & (hod <= 11), 1.35, 1.0)  # Monday morning
    day_of_month = (t // 24) % 30
    shape *= np.where(day_of_month >= 27, 1.25, 1.0)  # month-end burst
    trend = (1.0 + growth_per_year) ** (t / 8760.0)
    return peak_rps * shape * trend * np.exp(rng.normal(0.0, noise, hours))


def series_csv(
    rate: np.ndarray,
    start: float = START,
    mean_in: float = 900.0,
    mean_out: float = 220.0,
    dispersion: float = 1.1,
    interval: int = 3600,
) -> str:
    """An interval-series CSV document for `rate`."""
    lines = ["timestamp,requests_per_second,mean_input_tokens,mean_output_tokens,dispersion"]
    for k, r in enumerate(rate):
        lines.append(f"{int(start + k * interval)},{r:.3f},{mean_in:g},{mean_out:g},{dispersion:g}")
    return "\n".join(lines) + "\n"
