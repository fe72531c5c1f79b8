"""Charts of every forecast: the plotted numbers are the JSON's, and the files are real SVG and PNG."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from launchcast.model.questions.answers import (
    ByMonthForecast,
    CampaignForecast,
    NextLaunchForecast,
    VersusForecast,
)
from launchcast.model.questions.asking import Programme, resolve
from launchcast.model.questions.forecast import by_date, by_month
from launchcast.service import charts
from launchcast.service.cli import app as cli
from launchcast.service.settings import Settings

AS_OF = "2026-11-23T12:00:00Z"


def test_next_chart_draws_the_answers_probability_and_intervals(
    client: TestClient, settings: Settings
) -> None:
    answer = NextLaunchForecast(
        **client.get("/v1/forecast/next", params={"vehicle": "Nuri", "as_of": AS_OF}).json()
    )
    fit = settings.registry().load_current()
    draws = fit.success_probability(resolve(fit, Programme(vehicle="Nuri")).query)
    figure = charts.next_chart(answer, draws, "v1")
    (line,) = charts.plotted(figure, "probability")
    assert line.get_xdata()[0] == pytest.approx(answer.probability)
    (band_90,) = charts.plotted(figure, "interval_90")
    low, high = band_90.get_x(), band_90.get_x() + band_90.get_width()
    interval = answer.reliability.interval_90
    assert (low, high) == pytest.approx((interval.low, interval.high))
    (histogram,) = charts.plotted(figure, "posterior")
    heights = histogram.get_data().values
    assert np.sum(heights) / 40 == pytest.approx(1.0)  # a density over [0, 1]


def test_campaign_by_month_and_versus_charts_plot_the_json(client: TestClient) -> None:
    body = {"vehicle": "Chollima-1", "launches": 5, "paths": 5000, "as_of": AS_OF}
    campaign = CampaignForecast(**client.post("/v1/forecast/campaign", json=body).json())
    bars = charts.plotted(charts.campaign_chart(campaign, "v1"), "success_pmf")
    assert [bar.get_height() for bar in bars] == pytest.approx(campaign.success_pmf)

    outlook = ByMonthForecast(
        **client.get("/v1/forecast/by-month", params={"state": "KP", "as_of": AS_OF}).json()
    )
    assert len(outlook.months) == 24 and outlook.months[0].date == date(2026, 12, 1)
    (step,) = charts.plotted(charts.by_month_chart(outlook, "v1"), "by_month")
    assert list(step.get_ydata()) == pytest.approx([m.probability for m in outlook.months])

    race = {"a": {"state": "KP"}, "b": {"state": "KR"}, "paths": 5000, "as_of": AS_OF}
    versus = VersusForecast(**client.post("/v1/forecast/versus", json=race).json())
    figure = charts.versus_chart(versus, np.array([0.5]), np.array([0.6]), "v1")
    (a,) = charts.plotted(figure, "race_a")
    assert list(a.get_ydata()) == pytest.approx([p.probability_a for p in versus.race])


def test_each_month_of_the_outlook_is_the_by_date_answer(settings: Settings) -> None:
    fit = settings.registry().load_current()
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    outlook = by_month(fit, Programme(state="KR"), 6, 4000, 7, now=now)
    for point in outlook.months[::2]:
        single = by_date(fit, Programme(state="KR"), point.date, 4000, 7, now=now)
        assert single.probability == point.probability


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        ("/v1/forecast/next?vehicle=Nuri", "get", None),
        ("/v1/forecast/by-month?state=KP", "get", None),
        ("/v1/forecast/campaign", "post", {"vehicle": "Nuri", "paths": 2000}),
        ("/v1/forecast/by-date", "post", {"state": "KP", "date": "2028-01-01", "paths": 2000}),
        ("/v1/forecast/versus", "post", {"a": {"state": "KP"}, "b": {"state": "KR"}, "paths": 2000}),
    ],
)
def test_every_forecast_answers_as_svg_and_png(
    client: TestClient, path: str, method: str, body: dict | None
) -> None:
    send = getattr(client, method)
    kwargs = {"json": body} if body else {}
    joiner = "&" if "?" in path else "?"
    svg = send(f"{path}{joiner}format=svg", **kwargs)
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    text = svg.text
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "<dc:description>" in text
    assert "GCAT" in text and "data as of 2023-12-30" in text and "eb-beta" in text
    png = send(path, headers={"accept": "image/png"}, **kwargs)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 10_000
    for _ in range(2):  # charts are per minute: ask again if a minute turned between the two
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        first = send(f"{path}{joiner}format=svg", **kwargs)
        again = send(f"{path}{joiner}format=svg", **kwargs)
        if datetime.now(UTC).replace(second=0, microsecond=0) == minute:
            break
    assert again.content == first.content  # drawn once per fit and question (this minute)
    assert send(path, **kwargs).headers["content-type"].startswith("application/json")


def test_cli_plot_writes_the_chart(tmp_path: Path, settings: Settings) -> None:
    env = {"LAUNCHCAST_REGISTRY_DIR": str(settings.registry_dir)}
    out = tmp_path / "chollima.svg"
    done = CliRunner().invoke(cli, ["forecast", "next", "--vehicle", "천리마-1", "--plot", str(out)], env=env)
    assert done.exit_code == 0, done.output
    assert re.search(r"Chollima-1, flight 4", out.read_text())
    bad = CliRunner().invoke(
        cli, ["forecast", "next", "--vehicle", "Nuri", "--plot", str(tmp_path / "x.gif")], env=env
    )
    assert bad.exit_code == 1 and "use a .svg or .png" in bad.output


@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        ("application/json;q=0.1, image/png", "image/png"),  # the q-value decides, not the order
        ("image/*;q=0.5, application/json", "application/json"),
        ("image/*", "image/png"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/json"),  # a browser: JSON
        ("image/svg+xml", "image/svg+xml"),
        ("not a media type", "application/json"),  # unparseable: the default, not a 500
    ],
)
def test_accept_is_negotiated_by_quality(client: TestClient, accept: str, answer: str) -> None:
    done = client.get("/v1/forecast/next?vehicle=Nuri", headers={"accept": accept})
    assert done.status_code == 200 and done.headers["content-type"].startswith(answer)


def test_forecast_answers_vary_on_accept_and_scenarios_refuse_a_chart(client: TestClient) -> None:
    for answer in (
        client.get("/v1/forecast/next?vehicle=Nuri"),
        client.get("/v1/forecast/next?vehicle=Nuri&format=svg"),
        client.post("/v1/forecast/campaign", json={"vehicle": "Nuri", "paths": 2000}),
    ):
        assert answer.status_code == 200 and answer.headers["vary"] == "Accept"
    scenario = {"scenario": "after-failure", "vehicle": "Nuri"}
    refused = client.post("/v1/forecast/scenario?format=svg", json=scenario)
    assert refused.status_code == 422 and "format" in refused.text  # was 200 JSON, the format ignored
    assert client.post("/v1/forecast/scenario?format=json", json=scenario).status_code == 200
