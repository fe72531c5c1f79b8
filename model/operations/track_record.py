"""What the track record is: every scored launch (latest revision), totals and calibration per tier
and model, the launches no forecast could be scored against; the two tiers never share a figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from launchcast.model.stats.scoring import calibration_bins


@dataclass(frozen=True)
class ScoredLaunch:
    launch_tag: str
    launch_time: datetime
    vehicle: str
    state: str
    success: int
    tier: str
    model: str
    version_id: str
    probability: float
    log_loss: float
    brier: float
    revision: int


@dataclass(frozen=True)
class Totals:
    tier: str
    model: str
    launches: int
    log_loss: float
    brier: float
    expected_successes: float
    successes: int


@dataclass(frozen=True)
class CalibrationBin:
    tier: str
    model: str
    low: float
    high: float
    launches: int
    mean_forecast: float
    observed_rate: float


@dataclass
class TrackRecord:
    """The scored forecasts (latest revision), totals and calibration per tier and model."""

    launches: list[ScoredLaunch]
    totals: list[Totals]
    calibration: list[CalibrationBin]
    unscored: list[dict[str, Any]]
    forecast_sets: int
    #: Set when the database was too slow and this is an earlier answer: when it was read.
    snapshot_at: datetime | None = None


CALIBRATION_EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0)


def summarise(rows: list[ScoredLaunch]) -> tuple[list[Totals], list[CalibrationBin]]:
    """Totals and a calibration table per (tier, model); the two tiers never share a figure."""
    totals, bins = [], []
    groups: dict[tuple[str, str], list[ScoredLaunch]] = {}
    for row in rows:
        groups.setdefault((row.tier, row.model), []).append(row)
    for (tier, model), group in sorted(groups.items()):
        n = len(group)
        totals.append(
            Totals(
                tier,
                model,
                n,
                sum(r.log_loss for r in group) / n,
                sum(r.brier for r in group) / n,
                sum(r.probability for r in group),
                sum(r.success for r in group),
            )
        )
        table = calibration_bins(
            np.array([r.probability for r in group]),
            np.array([r.success for r in group]),
            edges=CALIBRATION_EDGES,
        )
        bins += [
            CalibrationBin(tier, model, b.low, b.high, int(b.count), float(b.forecast), float(b.observed))
            for b in table.itertuples(index=False)
        ]
    return totals, bins


@dataclass
class ScoreReport:
    """What one scoring run did."""

    scored: int = 0
    rescored: int = 0
    unscored: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if not (self.scored or self.rescored or self.unscored):
            return "track record: no new launch to score"
        tiers = ", ".join(f"{n} {tier}" for tier, n in sorted(self.by_tier.items())) or "none"
        return (
            f"track record: {self.scored} launch score(s) added ({tiers}), {self.rescored} re-scored "
            f"after a revised outcome, {self.unscored} launch(es) with no eligible forecast"
        )
