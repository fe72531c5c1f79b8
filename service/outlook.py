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

from markupsafe import Markup, escape

from launchcast.model.errors import LaunchcastError, NotFoundError
from launchcast.model.operations.track_record import Totals
from launchcast.model.questions.answers import (
    ByMonthForecast,
    CampaignForecast,
    NextLaunchForecast,
    VersusForecast,
)
from launchcast.model.questions.asking import Programme
from launchcast.model.questions.manifest import AnnouncedForecast
from launchcast.model.questions.scenario import RUSSIAN_FAMILY, ForeignHelpScenario
from launchcast.service import charts
from launchcast.service.forecaster import Chart
from launchcast.service.languages import WORDS
from launchcast.service.numbers import percent
from launchcast.service.state import Served

KOREAS = ("KP", "KR")
TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class Launch:
    date: str
    vehicle: str
    outcome: str
    #: The vehicle's name in Hangul (``data/names.csv``), "" if it has none.
    korean: str = ""


@dataclass
class Column:
    """One state's column: next launch (explained), next five flights, outlook, record."""

    code: str
    name: str
    next: NextLaunchForecast
    five: CampaignForecast
    outlook: ByMonthForecast
    next_chart: Drawn
    outlook_chart: Drawn
    launches: list[Launch]
    #: The state's and its vehicle's Korean names (``data/names.csv``, each cited), "" if none.
    korean_name: str = ""
    korean_vehicle: str = ""


@dataclass
class Asked:
    """The form's question and its answer, or the names it might have meant."""

    text: str
    answer: NextLaunchForecast | None = None
    chart: Drawn | None = None
    problem: str = ""
    suggestions: list[str] = field(default_factory=list)


@dataclass
class Outlook:
    programmes: list[Column]
    race: VersusForecast
    race_chart: Drawn
    asked: Asked | None
    track_record: list[Totals] | None
    version_id: str
    as_of: datetime
    #: The announced Korean launches still to fly, each with its forecast (``/v1/manifest``).
    announced: list[AnnouncedForecast] = field(default_factory=list)
    schedule_checked_at: datetime | None = None
    #: Did Russian help change the odds? North Korea's next new rocket, three ways; or why the
    #: served model cannot say (a baseline has no foreign-help term).
    russian_help: ForeignHelpScenario | None = None
    russian_help_missing: str = ""


@dataclass(frozen=True)
class Drawn:
    """A chart drawn for a desktop column and for a phone; the page shows the one that fits
    (``charts.PAGE``, ``charts.PHONE``: no chart text under 11 px on either)."""

    wide: str
    narrow: str


def _inline(svg: bytes) -> str:
    """An SVG document as an inline element (the XML prologue and doctype dropped)."""
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]


def _drawn(chart: Chart) -> Drawn:
    return Drawn(_inline(chart.render("svg", charts.PAGE)), _inline(chart.render("svg", charts.PHONE)))


def build(served: Served, now: datetime, question: str | None, track_record: list[Totals] | None) -> Outlook:
    forecaster = served.forecaster
    programmes = []
    for code in KOREAS:
        state = Programme(state=code)
        answered = forecaster.next(state, now, explain=True)
        outlook = forecaster.by_month(state, 24, 20_000, 0, now)
        programmes.append(
            Column(
                code=code,
                name=served.fit.catalogue.state_name(code),
                next=answered.answer,
                five=forecaster.campaign(state, 5, 20_000, 0, now).answer,
                outlook=outlook.answer,
                next_chart=_drawn(answered.chart),
                outlook_chart=_drawn(outlook.chart),
                launches=_launches(served, code),
                korean_name=korean(served, "state", code),
                korean_vehicle=korean(served, "vehicle", answered.answer.vehicle or ""),
            )
        )
    race = forecaster.versus(Programme(state="KP"), Programme(state="KR"), 20_000, 0, now)
    race_chart = _drawn(race.chart)
    asked = _ask(served, question, now) if question else None
    manifest = forecaster.manifest(now=now).answer
    announced = [row for row in manifest.launches if row.state in KOREAS]
    russian_help, missing = None, ""
    try:
        russian_help = forecaster.foreign_help("KP", RUSSIAN_FAMILY, now)
    except LaunchcastError as exc:
        missing = str(exc)
    return Outlook(
        programmes,
        race.answer,
        race_chart,
        asked,
        track_record,
        served.version_id,
        now,
        announced,
        forecaster.schedule_checked_at,
        russian_help,
        missing,
    )


def korean(served: Served, kind: str, name: str) -> str:
    """The first name in Hangul that ``data/names.csv`` gives a state or vehicle (as the fit saw it)."""
    for alias, target in served.fit.catalogue.aliases.get(kind, {}).items():
        if target == name and any("\uac00" <= ch <= "\ud7a3" for ch in alias):
            return alias
    return ""


def _ask(served: Served, text: str, now: datetime) -> Asked:
    """A vehicle or a state, by any name the API accepts; a misspelling gets suggestions."""
    asked = Asked(text=text)
    state = served.fit.catalogue.find_state(text)
    programme = Programme(state=state) if state else Programme(vehicle=text)
    try:
        answered = served.forecaster.next(programme, now, explain=True)
    except NotFoundError as exc:
        asked.problem, asked.suggestions = str(exc), exc.suggestions
        return asked
    asked.answer = answered.answer
    asked.chart = _drawn(answered.chart)
    return asked


def _launches(served: Served, state: str) -> list[Launch]:
    if served.history is None:
        return []
    launches = served.history.launches
    rows = launches[launches["vehicle_state"] == state]
    names = dict(
        zip(served.history.vehicles["vehicle"], served.history.vehicles["display_name"], strict=True)
    )
    hangul = {vehicle: korean(served, "vehicle", vehicle) for vehicle in set(rows["vehicle"])}
    return [
        Launch(str(r.time_utc)[:10], names.get(r.vehicle, r.vehicle), str(r.outcome), hangul[r.vehicle])
        for r in rows.itertuples(index=False)
    ][::-1]


def fill(sentence: str, **values: object) -> Markup:
    """A sentence of ``languages.WORDS`` with its fields filled: text escaped, markup (a name
    with its ``lang`` span) kept."""
    return Markup(escape(sentence)).format(**values)


def render(outlook: Outlook, lang: str = "en") -> str:
    """The page in ``lang`` (``languages.LANGUAGES``), with a link to the other language's."""
    from urllib.parse import urlencode

    from jinja2 import Environment, FileSystemLoader, select_autoescape

    other = "en" if lang == "ko" else "ko"
    query = {"q": outlook.asked.text} if outlook.asked else {}
    href = (
        "/?" + urlencode({**query, "lang": other})
        if other != "en"
        else "/" + (f"?{urlencode(query)}" if query else "")
    )
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    environment.filters["pct"] = percent
    environment.filters["fill"] = fill
    return environment.get_template("outlook.html").render(
        o=outlook, lang=lang, w=WORDS[lang], other=other, other_href=href
    )


def waiting(reason: str, seconds: int) -> str:
    """The page served before any model exists: what is happening and when to come back."""
    from html import escape

    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="{seconds}"><title>launchcast: preparing</title></head>'
        '<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto">'
        "<h1>The model is being prepared</h1>"
        "<p>launchcast answers from a model fitted on the world's launch record, and none is ready yet "
        f"({escape(reason)}). A first fit takes about a minute; this page reloads every {seconds} s.</p>"
        "<p>If no fit is running, make one with <code>launchcast fit</code>.</p></body></html>"
    )
