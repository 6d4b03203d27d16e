"""Demand files: request traces and interval series, turned into per-interval statistics.

Two CSV shapes are accepted, recognised by their header:

- a request trace, one row per request: `timestamp,input_tokens,output_tokens` (or the Azure LLM trace
  headers `TIMESTAMP,ContextTokens,GeneratedTokens`);
- an interval series, one row per planning interval:
  `timestamp,requests_per_second,mean_input_tokens,mean_output_tokens`, optionally with
  `p95_input_tokens`, `dispersion` (index of dispersion of per-second arrival counts, 1 = Poisson) and
  `service_scv` (squared coefficient of variation of per-request work, 1 = exponential).

A trace is bucketed into planning intervals; within each, the arrival burstiness (index of dispersion of
arrival counts, per second and over longer counting blocks up to half a window) and the token moments are
measured rather than averaged away, because the queueing model needs them. A series' `dispersion` stands
for every counting scale. Timestamps are ISO 8601 or seconds since the epoch.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from gpufabric.core.errors import InputError, InputErrors
from gpufabric.core.files import CSV_MAX_BYTES, check_size

TRACE_COLUMNS = ("timestamp", "input_tokens", "output_tokens")
AZURE_COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")
SERIES_COLUMNS = ("timestamp", "requests_per_second", "mean_input_tokens", "mean_output_tokens")
SERIES_OPTIONAL = ("p95_input_tokens", "dispersion", "service_scv")

# p95 of an exponential distribution is ln(20) ~ 3.0 times its mean: the assumption when a series omits it.
P95_OVER_MEAN = 3.0
MAX_REPORTED = 10
# Within an interval a trace is cut into windows this long: long against a slot's holding time (seconds), so
# each window is near-stationary, short against the interval, so rate swings are not averaged away.
WINDOW_SECONDS = 60
# Counting scales (seconds) at which a trace's index of dispersion is measured within each window: blocks of
# this many seconds, their counts compared with the window's mean block count. Clumpy traffic's dispersion
# grows with the scale; the queueing model reads it at the slots' holding time. Scales longer than half a
# window are skipped (a window must hold two blocks), and so are swings slower than a window (the windows
# carry those).
DISPERSION_SCALES = (1, 2, 3, 5, 10, 15, 20, 30)
# A scale's index of dispersion is a variance estimate; with fewer degrees of freedom than this (block
# deviations, k - 1 per window of k blocks) its relative standard error exceeds ~45% (sqrt(2 / dof)) and the
# previous scale's value is kept instead. Short spans (a trace's last partial interval) hit this.
MIN_DISPERSION_DOF = 10


@dataclass(frozen=True)
class IntervalDemand:
    """Per-interval demand statistics (arrays of equal length, one entry per planning interval).

    Token second moments are NaN for interval series (a series carries `service_scv` instead).
    """

    start: np.ndarray  # epoch seconds of each interval start
    interval_seconds: int
    rate: np.ndarray  # requests per second
    mean_in: np.ndarray
    mean_out: np.ndarray
    p95_in: np.ndarray
    dispersion: np.ndarray  # index of dispersion of per-second arrival counts
    # Index of dispersion of counts over blocks of each of DISPERSION_SCALES seconds, shape (intervals,
    # scales); a series (one dispersion per row) repeats its `dispersion` at every scale.
    dispersion_curve: np.ndarray
    m2_in: np.ndarray  # E[in^2]
    m2_inout: np.ndarray  # E[in*out]
    m2_out: np.ndarray  # E[out^2]
    service_scv: np.ndarray  # explicit SCV of per-request work, NaN = derive from token moments
    # Sub-interval windows (traces only; a series has one window per interval): rate and token means per
    # window, shape (intervals, windows). They carry the within-interval rate swings to the queueing model.
    window_rate: np.ndarray
    window_in: np.ndarray
    window_out: np.ndarray

    def __len__(self) -> int:
        return len(self.rate)

    @property
    def output_tokens(self) -> float:
        """Expected output tokens over the horizon."""
        return float(np.sum(self.rate * self.mean_out) * self.interval_seconds)


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: float
    demand: IntervalDemand


def parse_interval(text: str) -> int:
    """`1h`, `15m`, `30s`, `1d` or a bare number of seconds -> seconds."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if not m or int(m.group(1)) == 0:
        raise InputError("--interval", "", "a duration such as 15m, 1h or 1d", repr(text))
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def parse_demand_arg(arg: str) -> tuple[Path, float | None]:
    """`--demand p90.csv:0.4` -> (path, 0.4); `--demand p50.csv` -> (path, None)."""
    path, sep, weight = arg.rpartition(":")
    if sep and path and re.fullmatch(r"\d*\.?\d+", weight):
        w = float(weight)
        if w <= 0:
            raise InputError("--demand", arg, "a positive scenario weight", weight)
        return Path(path), w
    return Path(arg), None


# Timestamps are epoch seconds between 1970-01-01 and 2100-01-01: NaN, infinities and typos of centuries
# (an epoch in milliseconds, a year 20250) are refused rather than stretched into millions of intervals.
TIMESTAMP_MIN = 0.0
TIMESTAMP_MAX = 4_102_444_800.0


# Magnitude bounds (docs/sizing.md#bounds), checked per cell while reading, before any interval is built.
# 100,000 req/s is ~20x the largest public LLM serving traces' peaks and needs thousands of H100s; beyond it
# the MILP only burns minutes. 10,000,000 tokens is ~5x the longest context windows on offer (1-2M).
MAX_RATE = 100_000.0
MAX_TOKENS = 10_000_000.0
MAX_PER_COLUMN = {
    "requests_per_second": (MAX_RATE, "MAX_RATE"),
    "input_tokens": (MAX_TOKENS, "MAX_TOKENS"),
    "output_tokens": (MAX_TOKENS, "MAX_TOKENS"),
    "mean_input_tokens": (MAX_TOKENS, "MAX_TOKENS"),
    "mean_output_tokens": (MAX_TOKENS, "MAX_TOKENS"),
    "p95_input_tokens": (MAX_TOKENS, "MAX_TOKENS"),
}
# Consecutive trace timestamps further apart than this are a typo (one year typed wrong), not a quiet week;
# and no demand file may span more intervals than MAX_INTERVALS (about 5.7 years of hours, 520 days of
# 15 minutes), which keeps the MILP and the arrays sized to what a capacity plan needs.
MAX_GAP_SECONDS = 7 * 86400
MAX_INTERVALS = 50_000
# A trace is also measured per one-minute window and per second within each interval: its span is bounded
# to MAX_WINDOWS windows (about 3.8 years), whatever the --interval, so a 1-day interval cannot multiply it.
MAX_WINDOWS = 2_000_000


def _timestamp(text: str) -> float:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        value = dt.timestamp()
    if not (math.isfinite(value) and TIMESTAMP_MIN <= value <= TIMESTAMP_MAX):
        raise ValueError  # NaN, inf, or a year no trace comes from
    return value


def _number(text: str, *, integer: bool = False, limit: float = math.inf) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0 or value > limit:
        raise ValueError
    if integer and value != int(value):
        raise ValueError
    return value


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    name = str(path)
    check_size(path, CSV_MAX_BYTES, "CSV file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise InputError(name, "", "an existing CSV file", "no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise InputError(name, "", "a readable UTF-8 CSV file", str(err)) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InputError(name, "", "a CSV header and at least one row", "an empty file")
    header = [h.strip() for h in rows[0]]
    if len(rows) == 1:
        raise InputError(name, "row 2", "at least one data row after the header", "none")
    return header, rows[1:]


def _columns(name: str, header: list[str]) -> tuple[str, dict[str, int]]:
    index = {h: i for i, h in enumerate(header)}
    if all(c in index for c in TRACE_COLUMNS):
        return "trace", {k: index[k] for k in TRACE_COLUMNS}
    if all(c in index for c in AZURE_COLUMNS):
        return "trace", {k: index[a] for k, a in zip(TRACE_COLUMNS, AZURE_COLUMNS, strict=True)}
    if all(c in index for c in SERIES_COLUMNS):
        cols = {k: index[k] for k in SERIES_COLUMNS}
        cols |= {k: index[k] for k in SERIES_OPTIONAL if k in index}
        return "series", cols
    best = max((TRACE_COLUMNS, AZURE_COLUMNS, SERIES_COLUMNS), key=lambda cs: sum(c in index for c in cs))
    missing = [c for c in best if c not in index]
    raise InputError(
        name,
        "header",
        "columns " + ",".join(TRACE_COLUMNS) + " (request trace), " + ",".join(AZURE_COLUMNS)
        + " (Azure trace) or " + ",".join(SERIES_COLUMNS) + " (interval series)",
        f"{','.join(header)} (missing {', '.join(missing)})",
    )  # fmt: skip


def _parse_table(name: str, rows: list[list[str]], cols: dict[str, int], integer: set[str]) -> np.ndarray:
    """Parse the named columns into a float array (rows x columns), collecting located errors."""
    keys = list(cols)
    out = np.empty((len(rows), len(keys)))
    problems: list[InputError] = []
    for r, row in enumerate(rows):
        line = r + 2  # 1-based, after the header
        for k, key in enumerate(keys):
            i = cols[key]
            cell = row[i].strip() if i < len(row) else ""
            limit, limit_name = MAX_PER_COLUMN.get(key, (math.inf, ""))
            try:
                if not cell:
                    raise ValueError
                out[r, k] = (
                    _timestamp(cell) if key == "timestamp" else _number(cell, integer=key in integer, limit=limit)
                )
            except ValueError:
                what = (
                    "an ISO 8601 time or epoch seconds"
                    if key == "timestamp"
                    else "a non-negative integer"
                    if key in integer
                    else "a non-negative number"
                )
                if limit_name:
                    what += f" at most {limit:,.0f} ({limit_name})"
                problems.append(InputError(name, f"row {line}, column {key}", what, repr(cell) if cell else "empty"))
                if len(problems) >= MAX_REPORTED:
                    raise InputErrors(problems) from None
    if problems:
        raise InputErrors(problems)
    return out


def _dispersion_curve(
    counts: np.ndarray, sec_win: np.ndarray, n_win: int, win_len: float, observed: float, first: float
) -> np.ndarray:
    """Index of dispersion of arrival counts in blocks of each DISPERSION_SCALES length, within windows.

    `counts` are the interval's per-second arrival counts, `sec_win` each second's window, `observed` the
    seconds the trace covers (up to its last arrival). Each window is cut into whole blocks from its first
    second (a remainder shorter than a block is dropped, as are blocks ending after `observed`); the
    squared deviations of block counts from their window's mean, over k - 1 per window of k blocks
    (unbiased), are divided by the mean block count. A scale with fewer than MIN_DISPERSION_DOF such
    degrees of freedom repeats the previous scale's value, starting from `first` (the per-second
    dispersion). Work is O(seconds) per scale.
    """
    out = np.empty(len(DISPERSION_SCALES))
    sec = np.arange(len(counts))
    first_sec = np.searchsorted(sec_win, np.arange(n_win))  # each window's first second
    prev = first
    for j, scale in enumerate(DISPERSION_SCALES):
        t, m = int(scale), int(win_len // scale)
        if m < 2:
            out[j] = prev
            continue
        blk = (sec - first_sec[sec_win]) // t
        keep = blk < m
        cnt = np.bincount(sec_win[keep] * m + blk[keep], counts[keep], n_win * m).reshape(n_win, m)
        covered = first_sec[:, None] + t * (np.arange(m)[None, :] + 1) <= observed + 1e-9
        k = covered.sum(axis=1)
        use = k >= 2
        if (k[use] - 1).sum() < MIN_DISPERSION_DOF:
            out[j] = prev
            continue
        cnt, covered, k = cnt[use] * covered[use], covered[use], k[use]
        dev = (((cnt - (cnt.sum(axis=1) / k)[:, None]) ** 2) * covered).sum()
        mean = cnt.sum() / k.sum()
        prev = out[j] = float(dev / (k - 1).sum() / mean) if mean > 0 else prev
    return out


def _trace_intervals(name: str, data: np.ndarray, interval: int) -> IntervalDemand:
    ts, tin, tout = data[:, 0], data[:, 1], data[:, 2]
    order = np.argsort(ts, kind="stable")
    ts, tin, tout = ts[order], tin[order], tout[order]
    gaps = np.diff(ts)
    wide = np.flatnonzero(gaps > MAX_GAP_SECONDS)
    if wide.size:
        j = int(wide[0])
        a, b = sorted((int(order[j]) + 2, int(order[j + 1]) + 2))  # file rows, 1-based after the header
        raise InputError(
            name,
            f"rows {a} and {b}, column timestamp",
            f"consecutive request times at most {MAX_GAP_SECONDS // 86400} days apart (MAX_GAP_SECONDS)",
            f"{gaps[j] / 86400:,.1f} days between them",
            hint="A timestamp typed wrong (a year, an epoch in milliseconds) stretches the trace; fix that row.",
        )
    t0 = math.floor(ts[0])
    t_end = ts[-1]
    n = _interval_count(name, t_end - t0, interval, max(1, interval // WINDOW_SECONDS))
    bucket = ((ts - t0) // interval).astype(int)
    start = t0 + interval * np.arange(n, dtype=float)
    fields = {k: np.zeros(n) for k in ("rate", "mean_in", "mean_out", "p95_in", "m2i", "m2io", "m2o")}
    disp = np.ones(n)
    curve = np.ones((n, len(DISPERSION_SCALES)))
    n_win = max(1, interval // WINDOW_SECONDS)
    win_len = interval / n_win
    w_rate, w_in, w_out = np.zeros((n, n_win)), np.zeros((n, n_win)), np.zeros((n, n_win))
    bounds = np.searchsorted(bucket, np.arange(n + 1))
    for b in range(n):
        lo, hi = bounds[b], bounds[b + 1]
        if hi == lo:
            continue
        # The trace covers [t0, t_end]: a last partial interval's rate is over its covered span only.
        span = max(1.0, min(float(interval), t_end - start[b] + 1.0))
        i, o = tin[lo:hi], tout[lo:hi]
        fields["rate"][b] = (hi - lo) / span
        fields["mean_in"][b], fields["mean_out"][b] = i.mean(), o.mean()
        fields["p95_in"][b] = np.percentile(i, 95)
        fields["m2i"][b], fields["m2io"][b], fields["m2o"][b] = (i * i).mean(), (i * o).mean(), (o * o).mean()
        offset = ts[lo:hi] - start[b]
        # Windows: rate and token means; the last covered window's rate uses its covered length only.
        win = np.minimum((offset // win_len).astype(int), n_win - 1)
        covered = np.clip(span - win_len * np.arange(n_win), 0.0, win_len)
        cnt = np.bincount(win, minlength=n_win).astype(float)
        w_rate[b] = np.divide(cnt, covered, out=np.zeros(n_win), where=covered >= 1.0)
        w_in[b] = np.divide(np.bincount(win, i, n_win), cnt, out=np.zeros(n_win), where=cnt > 0)
        w_out[b] = np.divide(np.bincount(win, o, n_win), cnt, out=np.zeros(n_win), where=cnt > 0)
        # Burstiness within windows: index of dispersion of per-second counts around each window's mean,
        # so the slow swings (handled by the windows) are not counted twice.
        counts = np.bincount(offset.astype(int), minlength=int(math.ceil(span))).astype(float)
        sec_win = np.minimum((np.arange(len(counts)) // win_len).astype(int), n_win - 1)
        sec_mean = (np.bincount(sec_win, counts, n_win) / np.maximum(np.bincount(sec_win, None, n_win), 1))[sec_win]
        mean = counts.mean()
        disp[b] = float(((counts - sec_mean) ** 2).mean() / mean) if mean > 0 else 1.0
        observed = min(float(interval), t_end - start[b])
        curve[b] = _dispersion_curve(counts, sec_win, n_win, win_len, observed, disp[b])
    return IntervalDemand(
        start=start,
        interval_seconds=interval,
        rate=fields["rate"],
        mean_in=fields["mean_in"],
        mean_out=fields["mean_out"],
        p95_in=fields["p95_in"],
        dispersion=disp,
        dispersion_curve=curve,
        m2_in=fields["m2i"],
        m2_inout=fields["m2io"],
        m2_out=fields["m2o"],
        service_scv=np.full(n, np.nan),
        window_rate=w_rate,
        window_in=w_in,
        window_out=w_out,
    )


def _interval_count(name: str, span: float, interval: int, windows: int = 1) -> int:
    """Intervals a span needs, refused (naming the interval and span) beyond MAX_INTERVALS, or a trace's
    windows beyond MAX_WINDOWS, before any array is allocated."""
    n = int(span // interval) + 1
    found = f"{n:,} intervals of {interval:,} s: the timestamps span {span / 86400:,.1f} days"
    hint = "Use a longer --interval, or a shorter demand file."
    if n > MAX_INTERVALS:
        expected = f"at most {MAX_INTERVALS:,} intervals (MAX_INTERVALS)"
        raise InputError(name, "timestamp", expected, found, hint=hint)
    if n * windows > MAX_WINDOWS:
        expected = f"at most {MAX_WINDOWS:,} windows of {interval // windows:,} s in a trace (MAX_WINDOWS)"
        raise InputError(name, "timestamp", expected, f"{found}, {n * windows:,} windows", hint=hint)
    return n


def _series_intervals(name: str, data: np.ndarray, keys: list[str], interval: int) -> IntervalDemand:
    col = {k: data[:, i] for i, k in enumerate(keys)}
    ts = col["timestamp"]
    steps = np.diff(ts)
    bad = np.flatnonzero(np.abs(steps - interval) > 1e-6)
    if bad.size:
        r = int(bad[0]) + 3
        raise InputError(
            name,
            f"row {r}, column timestamp",
            f"rows {interval} s apart in increasing order (the --interval)",
            f"{steps[bad[0]]:g} s after the previous row",
            hint="Pass --interval matching the series, e.g. --interval 15m.",
        )
    n = _interval_count(name, ts[-1] - ts[0], interval)
    mean_in = col["mean_input_tokens"]
    nan = np.full(n, np.nan)
    dispersion = col.get("dispersion", np.ones(n))
    return IntervalDemand(
        start=ts.astype(float),
        interval_seconds=interval,
        rate=col["requests_per_second"],
        mean_in=mean_in,
        mean_out=col["mean_output_tokens"],
        p95_in=col.get("p95_input_tokens", mean_in * P95_OVER_MEAN),
        dispersion=dispersion,
        dispersion_curve=np.repeat(dispersion[:, None], len(DISPERSION_SCALES), axis=1),
        m2_in=nan,
        m2_inout=nan,
        m2_out=nan,
        service_scv=col.get("service_scv", np.ones(n)),
        window_rate=col["requests_per_second"][:, None],
        window_in=mean_in[:, None],
        window_out=col["mean_output_tokens"][:, None],
    )


def load_demand(path: Path, interval_seconds: int) -> IntervalDemand:
    """Read a demand CSV (trace or series) into per-interval statistics; located InputError when bad."""
    name = str(path)
    header, rows = _read_rows(path)
    kind, cols = _columns(name, header)
    if kind == "trace":
        data = _parse_table(name, rows, cols, integer={"input_tokens", "output_tokens"})
        return _trace_intervals(name, data, interval_seconds)
    data = _parse_table(name, rows, cols, integer=set())
    return _series_intervals(name, data, list(cols), interval_seconds)


def load_scenarios(args: list[str], interval_seconds: int) -> list[Scenario]:
    """`--demand FILE[:WEIGHT]` arguments -> scenarios on one shared interval grid, weights summing to 1."""
    if not args:
        raise InputError("--demand", "", "at least one demand CSV", "none")
    parsed = [parse_demand_arg(a) for a in args]
    given = [w for _, w in parsed if w is not None]
    if given and len(given) != len(parsed):
        raise InputError("--demand", "", "a weight on every scenario or on none", ", ".join(args))
    weights = [w if w is not None else 1.0 for _, w in parsed]
    total = sum(weights)
    scenarios = [
        Scenario(name=p.stem, weight=w / total, demand=load_demand(p, interval_seconds))
        for (p, _), w in zip(parsed, weights, strict=True)
    ]
    first = scenarios[0].demand
    for sc, (path, _) in zip(scenarios[1:], parsed[1:], strict=True):
        d = sc.demand
        if len(d) != len(first) or not np.array_equal(d.start, first.start):
            raise InputError(
                str(path),
                "timestamp",
                f"the same {len(first)} intervals as {parsed[0][0]} (scenarios share one time grid)",
                f"{len(d)} intervals",
            )
    return scenarios
