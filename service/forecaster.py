"""One forecaster for both edges: a question asked once gives its answer and its chart.

The CLI, the HTTP routes and the outlook page ask through a ``Forecaster`` made
once per fit, so the settings that shape answers (how old the data may be before an
answer warns) enter once, and the glue from an answer to its chart (which posterior
draws the chart needs, its title) is written once.  An ``Answered`` holds the answer;
its chart is drawn only when asked for (matplotlib is imported on the first chart).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np
from pydantic import BaseModel

from launchcast.model.defaults import STALE_AFTER_DAYS
from launchcast.model.questions import answers, asking, counts, forecast, manifest, scenario
from launchcast.model.questions.asking import Announcements, Programme
from launchcast.model.record.history import LaunchHistory
from launchcast.model.stats.fit import Fit
from launchcast.service import charts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

A = TypeVar("A", bound=BaseModel)


@dataclass(frozen=True)
class Chart:
    """A chart not drawn yet: ``description`` is its accessible title (SVG ``<title>``)."""

    description: str
    draw: Callable[[charts.Layout], Figure]

    def render(self, fmt: str, layout: charts.Layout = charts.API) -> bytes:
        """The chart as SVG or PNG bytes, drawn for ``layout`` (the API's, or a page's)."""
        return charts.render(self.draw(layout), fmt, self.description)


@dataclass(frozen=True)
class Answered(Generic[A]):
    """An answer and its chart, from the same computation."""

    answer: A
    chart: Chart


@dataclass(frozen=True)
class Forecaster:
    """The questions, asked of one fit; ``label`` names the fit on its charts."""

    fit: Fit
    label: str
    stale_after_days: int = STALE_AFTER_DAYS
    history: LaunchHistory | None = None
    #: The announced launches time questions count (``model.record.schedule``), and when the
    #: schedule was last fetched.
    announced: Announcements | None = None
    schedule_checked_at: datetime | None = None

    @cached_property
    def data_end(self) -> datetime | None:
        """The data directory's last launch (``history``), which may be newer than the fit's."""
        if self.history is None or self.history.launches.empty:
            return None
        return datetime.fromisoformat(str(self.history.launches["time_utc"].max()).replace("Z", "+00:00"))

    def settle(self, answer: A, counts_announced: bool = False) -> A:
        """The answer, saying what its fit has not seen when the data directory is newer
        (``asking.with_newer_data``), and, for an answer that counts announced launches, what
        it must say about the schedule (``Announcements.notes``): every answer passes through here."""
        end = self.data_end
        notes = self.announced.notes if counts_announced and self.announced is not None else ()
        for part in (answer, getattr(answer, "a", None), getattr(answer, "b", None)):
            if isinstance(part, answers.Anchored):
                if end is not None:
                    asking.with_newer_data(part, end, self.stale_after_days)
                part.warnings.extend(note for note in notes if note not in part.warnings)
        return answer

    def moment(self, now: datetime) -> asking.Moment:
        """The question's time with the data's age and its warnings, as every answer carries them."""
        return asking.Moment.of(self.fit, now, self.stale_after_days)

    def next(
        self, programme: Programme, now: datetime, explain: bool = False
    ) -> Answered[answers.NextLaunchForecast]:
        answer = forecast.next_launch(
            self.fit, programme, now=now, stale_after_days=self.stale_after_days, explain=explain
        )

        def draw(layout: charts.Layout) -> Figure:
            return charts.next_chart(answer, self._draws(programme), self.label, layout)

        return Answered(self.settle(answer), Chart(f"Posterior of P(success): {answer.subject}", draw))

    def campaign(
        self, programme: Programme, launches: int, paths: int, seed: int, now: datetime
    ) -> Answered[answers.CampaignForecast]:
        answer = forecast.campaign(
            self.fit, programme, launches, paths, seed, now=now, stale_after_days=self.stale_after_days
        )
        description = f"Successes in the next {launches} launches: {answer.subject}"
        return Answered(
            self.settle(answer),
            Chart(description, lambda layout: charts.campaign_chart(answer, self.label, layout)),
        )

    def by_date(
        self, programme: Programme, until: date, paths: int, seed: int, now: datetime
    ) -> Answered[answers.ByDateForecast]:
        """P(a success before ``until``); its chart is the by-month outlook (24 months) it sits on."""
        answer = forecast.by_date(
            self.fit,
            programme,
            until,
            paths,
            seed,
            now=now,
            stale_after_days=self.stale_after_days,
            announced=self.announced,
        )
        return Answered(self.settle(answer, True), self.by_month_chart(programme, paths, seed, now))

    def by_month_chart(self, programme: Programme, paths: int, seed: int, now: datetime) -> Chart:
        """The by-date question's chart: the outlook 24 months ahead, simulated when drawn."""

        def draw(layout: charts.Layout) -> Figure:
            return charts.by_month_chart(self._by_month(programme, 24, paths, seed, now), self.label, layout)

        return Chart(_by_month_title(programme), draw)

    def by_month(
        self, programme: Programme, months: int, paths: int, seed: int, now: datetime
    ) -> Answered[answers.ByMonthForecast]:
        answer = self._by_month(programme, months, paths, seed, now)
        chart = Chart(
            _by_month_title(programme), lambda layout: charts.by_month_chart(answer, self.label, layout)
        )
        return Answered(self.settle(answer, True), chart)

    def _draws(self, programme: Programme) -> np.ndarray:
        """The posterior draws of P(success) of a programme's next launch (what its chart shows)."""
        return self.fit.success_probability(asking.resolve(self.fit, programme).query)

    def _by_month(
        self, programme: Programme, months: int, paths: int, seed: int, now: datetime
    ) -> answers.ByMonthForecast:
        return forecast.by_month(
            self.fit,
            programme,
            months,
            paths,
            seed,
            now=now,
            stale_after_days=self.stale_after_days,
            announced=self.announced,
        )

    def versus(
        self, a: Programme, b: Programme, paths: int, seed: int, now: datetime
    ) -> Answered[answers.VersusForecast]:
        answer = forecast.versus(
            self.fit,
            a,
            b,
            paths,
            seed,
            now=now,
            stale_after_days=self.stale_after_days,
            announced=self.announced,
        )

        def draw(layout: charts.Layout) -> Figure:
            return charts.versus_chart(answer, self._draws(a), self._draws(b), self.label, layout)

        return Answered(
            self.settle(answer, True),
            Chart(f"Who is more reliable, and who succeeds first: {a} vs {b}", draw),
        )

    def launches(
        self,
        *,
        state: str | None,
        vehicle: str | None,
        operator: str | None,
        start: date,
        end: date,
        now: datetime,
        at_least: int | None = None,
    ) -> Answered[counts.LaunchCountForecast]:
        answer = counts.launches(
            self.fit,
            state=state,
            vehicle=vehicle,
            operator=operator,
            start=start,
            end=end,
            now=now,
            at_least=at_least,
            history=self.history,
            stale_after_days=self.stale_after_days,
            announced=self.announced,
        )
        description = f"How many launches, and how many successes: {answer.subject}"
        return Answered(
            self.settle(answer, True),
            Chart(description, lambda layout: charts.launches_chart(answer, self.label, layout)),
        )

    def manifest(
        self,
        *,
        now: datetime,
        state: str | None = None,
        vehicle: str | None = None,
        start: date | None = None,
        until: date | None = None,
        paths: int = 20_000,
        seed: int = 0,
    ) -> Answered[manifest.ManifestForecast]:
        """Every announced launch with its forecast (``model.questions.manifest``)."""
        announced = self.announced or Announcements()
        answer = manifest.manifest(
            self.fit,
            announced.entries,
            now=now,
            state=state,
            vehicle=vehicle,
            start=start,
            until=until,
            paths=paths,
            seed=seed,
            checked_at=self.schedule_checked_at,
            slips=announced.slips,
            stale_after_days=self.stale_after_days,
        )
        description = f"P(success) of each announced launch: {answer.subject}"
        return Answered(
            self.settle(answer, True),
            Chart(description, lambda layout: charts.manifest_chart(answer, self.label, layout)),
        )

    def foreign_help(self, state: str, family: str, now: datetime) -> scenario.ForeignHelpScenario:
        return self.settle(
            scenario.foreign_help(
                self.fit, state, now=now, family=family, stale_after_days=self.stale_after_days
            )
        )

    def after_outcome(self, programme: Programme, now: datetime) -> scenario.AfterOutcomeScenario:
        return self.settle(
            scenario.after_outcome(self.fit, programme, now=now, stale_after_days=self.stale_after_days)
        )


def _by_month_title(programme: Programme) -> str:
    return f"P(at least one success) month by month: {programme}"
