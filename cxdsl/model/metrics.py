"""The metrics a forecast reports and a ``target`` may name."""

from __future__ import annotations

#: Metric names a ``target`` may name.
METRICS: tuple[str, ...] = ("nps", "csat", "mean", "conversion", "revenue")
