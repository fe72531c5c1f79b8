"""The Korean launch outlook (``GET /``): North and South Korea side by side, from the served fit.

Everything on the page is an answer the API gives (``model.questions.forecast``), drawn with
``service.charts`` and rendered by the server with a Jinja2 template
(``service/templates/outlook.html``): no script, no CDN, no build step, so it works
offline.  A page is built once per fit, minute and question (``Served.chart``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from launchcast.model.errors import NotFoundError
from launchcast.model.operations.ledger import Totals
from launchcast.model.questions.forecast import (
    ByMonthForecast,
    CampaignForecast,
    NextLaunchForecast,
    Programme,
    VersusForecast,
    by_month,
    campaign,
    next_launch,
    resolve,
    versus,
)
from launchcast.service import charts
from launchcast.service.state import Served

KOREAS = ("KP", "KR")
TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class Launch:
    date: str
    vehicle: str
    outcome: str


@dataclass
class Column:
    """One state's column: next launch (explained), next five flights, outlook, record."""

    code: str
    name: str
    next: NextLaunchForecast
    five: CampaignForecast
    outlook: ByMonthForecast
    next_svg: str
    outlook_svg: str
    launches: list[Launch]


@dataclass
class Asked:
    """The form's question and its answer, or the names it might have meant."""

    text: str
    answer: NextLaunchForecast | None = None
    svg: str = ""
    problem: str = ""
    suggestions: list[str] = field(default_factory=list)


@dataclass
class Outlook:
    programmes: list[Column]
    race: VersusForecast
    race_svg: str
    asked: Asked | None
    track_record: list[Totals] | None
    version_id: str
    as_of: datetime


def _inline(svg: bytes) -> str:
    """An SVG document as an inline element (the XML prologue and doctype dropped)."""
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]


def _svg(figure: Any, description: str) -> str:
    return _inline(charts.render(figure, "svg", description))


def build(
    served: Served,
    now: datetime,
    stale_after_days: int,
    question: str | None,
    track_record: list[Totals] | None,
) -> Outlook:
    fit, version = served.fit, served.version_id
    programmes = []
    for code in KOREAS:
        state = Programme(state=code)
        answer = next_launch(fit, state, now=now, stale_after_days=stale_after_days, explain=True)
        draws = fit.success_probability(resolve(fit, state).query)
        outlook = by_month(fit, state, 24, 20_000, 0, now=now, stale_after_days=stale_after_days)
        programmes.append(
            Column(
                code=code,
                name=fit.catalogue.state_name(code),
                next=answer,
                five=campaign(fit, state, 5, 20_000, 0, now=now, stale_after_days=stale_after_days),
                outlook=outlook,
                next_svg=_svg(charts.next_chart(answer, draws, version), f"Reliability of {answer.subject}"),
                outlook_svg=_svg(
                    charts.by_month_chart(outlook, version), f"{outlook.subject}, month by month"
                ),
                launches=_launches(served, code),
            )
        )
    race = versus(
        fit,
        Programme(state="KP"),
        Programme(state="KR"),
        20_000,
        0,
        now=now,
        stale_after_days=stale_after_days,
    )
    draws_a = fit.success_probability(resolve(fit, Programme(state="KP")).query)
    draws_b = fit.success_probability(resolve(fit, Programme(state="KR")).query)
    race_svg = _svg(charts.versus_chart(race, draws_a, draws_b, version), "North vs South Korea")
    asked = _ask(served, question, now, stale_after_days) if question else None
    return Outlook(programmes, race, race_svg, asked, track_record, version, now)


def _ask(served: Served, text: str, now: datetime, stale_after_days: int) -> Asked:
    """A vehicle or a state, by any name the API accepts; a misspelling gets suggestions."""
    fit = served.fit
    asked = Asked(text=text)
    state = fit.catalogue.find_state(text)
    programme = Programme(state=state) if state else Programme(vehicle=text)
    try:
        asked.answer = next_launch(fit, programme, now=now, stale_after_days=stale_after_days, explain=True)
    except NotFoundError as exc:
        asked.problem, asked.suggestions = str(exc), exc.suggestions
        return asked
    draws = fit.success_probability(resolve(fit, programme).query)
    asked.svg = _svg(
        charts.next_chart(asked.answer, draws, served.version_id), f"Reliability: {asked.answer.subject}"
    )
    return asked


def _launches(served: Served, state: str) -> list[Launch]:
    if served.history is None:
        return []
    launches = served.history.launches
    rows = launches[launches["vehicle_state"] == state]
    names = dict(
        zip(served.history.vehicles["vehicle"], served.history.vehicles["display_name"], strict=True)
    )
    return [
        Launch(str(r.time_utc)[:10], names.get(r.vehicle, r.vehicle), str(r.outcome))
        for r in rows.itertuples(index=False)
    ][::-1]


def render(outlook: Outlook) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    environment.filters["pct"] = lambda p: f"{100 * p:.0f}%"
    return environment.get_template("outlook.html").render(o=outlook)
