"""How numbers are written for people: metric values, intervals, signed changes, money and
percentages, in the terminal's tables and in the HTML report.

Every function takes plain floats (metric values in their own unit: NPS and CSAT points,
score points, conversion as a fraction 0..1, revenue per customer) or a metric with
``value``, ``lo`` and ``hi``, and returns text; a missing value is written ``—``.
"""

from __future__ import annotations

import math

from ..model.metrics import REGISTRY

#: The metrics' names in the terminal's tables.
LABELS = {name: spec.label for name, spec in REGISTRY.items()}
#: The metrics' names in the report's headings and tables.
REPORT_LABELS = {name: spec.title for name, spec in REGISTRY.items()}
#: The metrics inside a sentence.
METRIC_WORDS = {name: spec.phrase for name, spec in REGISTRY.items()}


def short_label(metric: str) -> str:
    """A metric's terminal label for a narrow column: ``Revenue`` for revenue."""
    return LABELS[metric].split(" /")[0]


# -------------------------------------------------------------------------- terminal


def fmt_metric(name: str, value: float | None) -> str:
    """A metric value as the terminal writes it: conversion as a percentage to 2 places,
    revenue with thousands separators, the mean score to 3 places, NPS and CSAT to 1."""
    if value is None:
        return "—"
    return REGISTRY[name].format(value)


def fmt_interval(name: str, m) -> str:
    """``[lo, hi]`` of a metric, ``exact`` for a zero-width one, empty when unknown."""
    if m.value is None or m.lo is None:
        return ""
    if m.lo == m.hi:
        return "exact"
    return f"[{fmt_metric(name, m.lo)}, {fmt_metric(name, m.hi)}]"


def fmt_forecast(name: str, m) -> str:
    """``12.4 to 31.0``: a metric's forecast interval (the 2.5th to 97.5th percentile over
    the worlds of a forecast), empty without one."""
    band = getattr(m, "forecast", None)
    if not band or band[0] is None or band[1] is None:
        return ""
    return f"{fmt_metric(name, band[0])} to {fmt_metric(name, band[1])}"


def decimals_for(least: int, half_width: float | None, value: float | None) -> int:
    """Digits after the point for a value and its interval, both in the printed unit: at
    least ``least``, and enough to show the half-width's first significant digit (so two
    scenarios whose intervals differ never print alike as ``+0.3 ±0.0``); for an exact value
    (no half-width) enough for two significant digits. At most 6."""
    if half_width is not None and half_width > 0 and math.isfinite(half_width):
        need = -math.floor(math.log10(half_width))
    elif value:
        need = 1 - math.floor(math.log10(abs(value)))
    else:
        need = least
    return min(max(least, need), 6)


def _shown(metric: str, x: float) -> float:
    """A metric value in the unit its text shows (a share as a percentage)."""
    return x * 100 if REGISTRY[metric].unit == "share" else x


def _change_decimals(metric: str, m) -> int:
    half = None if m.lo is None or m.hi is None else (m.hi - m.lo) / 2
    return decimals_for(REGISTRY[metric].decimals,
                        None if half is None else _shown(metric, half),
                        None if m.value is None else _shown(metric, m.value))


def fmt_half_width(name: str, m, decimals: int | None = None) -> str:
    """`` ±h``: the 95% half-width of a metric, in its unit."""
    return f" ±{REGISTRY[name].format((m.hi - m.lo) / 2, decimals)}"


def fmt_metric_ci(metric: str, m) -> str:
    """``31.2 ±0.4`` (the 95% half-width), or the value alone when exact or unknown."""
    text = fmt_metric(metric, m.value)
    if m.value is None or m.lo is None or m.lo == m.hi:
        return text
    return text + fmt_half_width(metric, m)


def fmt_delta(metric: str, value: float | None, decimals: int | None = None) -> str:
    """A change of a metric with its sign (``+``, ``−`` or none for zero)."""
    if value is None:
        return "—"
    text = REGISTRY[metric].format(abs(value), decimals)
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return (sign if any(ch in "123456789" for ch in text) else "") + text


def fmt_delta_ci(metric: str, m) -> str:
    """``+5.9 ±0.2`` (the 95% half-width), or ``+5.9`` alone for an exact value; digits
    from the interval's width (:func:`decimals_for`)."""
    if m.value is None:
        return "—"
    d = _change_decimals(metric, m)
    text = fmt_delta(metric, m.value, d)
    if m.lo is None or m.lo == m.hi:
        return text
    return text + fmt_half_width(metric, m, d)


def fmt_money(x: float | None) -> str:
    """An amount of money, whole units with thousands separators."""
    return "—" if x is None else f"{x:,.0f}"


def fmt_money_ci(m) -> str:
    """A change of money with its sign and 95% half-width: ``+12,300 ±800``, ``+0.42
    ±0.03`` (digits from the interval's width, :func:`decimals_for`)."""
    if m.value is None:
        return "—"
    half = None if m.lo is None or m.hi is None else (m.hi - m.lo) / 2
    d = decimals_for(0, half, m.value)
    text = f"{m.value:+,.{d}f}"
    if half is None or half == 0:
        return text
    return f"{text} ±{half:,.{d}f}"


def fmt_amount_ci(m, unit: str = "") -> str:
    """A positive amount (a payback) with its 95% interval: ``3.2 [2.9, 3.6] periods``;
    ``—`` when unknown, the value alone when its interval is unknown or exact."""
    if m.value is None:
        return "—"
    half = None if m.lo is None or m.hi is None else (m.hi - m.lo) / 2
    d = decimals_for(0, half, m.value)
    tail = f" {unit}" if unit else ""
    if half is None or half == 0:
        return f"{m.value:,.{d}f}{tail}"
    return f"{m.value:,.{d}f} [{m.lo:,.{d}f}, {m.hi:,.{d}f}]{tail}"


def fmt_payback(payback, net, cost: float | None) -> str:
    """A payback (``payback``, ``net``: metrics) with its interval; ``—`` without a one-off
    cost, ``never`` when the net is not positive. While the net's interval reaches 0 the
    payback has no upper bound (the scenario may never pay back), written ``[lo, ∞)``."""
    if not cost:
        return "—"
    if payback.value is None:
        return "never" if net.value is not None else "—"
    if payback.lo is None and net.hi is not None and net.hi > 0:
        d = decimals_for(0, None, payback.value)
        return f"{payback.value:,.{d}f} [{cost / net.hi:,.{d}f}, ∞)"
    return fmt_amount_ci(payback)


# ---------------------------------------------------------------------------- report


def fmt_report_metric(metric: str, value: float | None, signed: bool = False) -> str:
    """A metric value as the report writes it: like :func:`fmt_metric` but the mean score
    to 2 places, no sign on a value that rounds to zero, and ``+`` on a positive one when
    ``signed``; ``—`` for a missing or non-finite value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    spec = REGISTRY[metric]
    # the report rounds the mean score to 2 places (a chart label, not a table cell)
    text = spec.format(value, 2 if spec.unit == "score" else None)
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]  # -0.0 reads as 0.0
    if signed and not text.startswith("-") and any(ch in "123456789" for ch in text):
        text = "+" + text
    return text


def fmt_report_ci(metric: str, m: dict | None, signed: bool = False) -> str:
    """``[lo, hi]`` of a metric's document (its ``ci95``), ``exact`` for a zero-width one,
    empty when unknown."""
    if not m:
        return ""
    lo, hi = (m.get("ci95") or [None, None])[:2]
    if lo is None or hi is None:
        return ""
    if lo == hi:
        return "exact"
    return f"[{fmt_report_metric(metric, lo, signed)}, {fmt_report_metric(metric, hi, signed)}]"


# ----------------------------------------------------------------- plain numbers


def fmt_pct(x: float) -> str:
    """A probability to 3 significant digits: ``0.05`` -> ``5%``, ``0.125`` -> ``12.5%``,
    ``0.0001`` -> ``0.01%``."""
    return f"{x * 100:.3g}%"


def fmt_share(x: float | None) -> str:
    """A share of customers (a fraction) as a percentage to 1 place; ``—`` when unknown."""
    return "—" if x is None else f"{x * 100:.1f}%"


def fmt_num(x: float, signed: bool = False) -> str:
    """A number in its shortest form (``%g``), with ``+`` on a non-zero one when
    ``signed``."""
    return f"{x:+g}" if signed and x != 0 else f"{x:g}"
