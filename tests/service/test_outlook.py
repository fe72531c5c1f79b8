"""The Korean outlook page (GET /), server-rendered: its numbers are the API's, its form answers."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient


def _percent(p: float) -> str:
    from launchcast.service.numbers import percent

    return percent(p)


def test_the_page_shows_both_koreas_with_the_apis_numbers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for code, name in (("KP", "North Korea"), ("KR", "South Korea")):
        answer = client.get("/v1/forecast/next", params={"state": code}).json()
        section = html.split(f'id="programme-{code}"')[1].split("</section>")[0]
        assert name in section and _percent(answer["probability"]) in section
        assert answer["display_name"] in section and "Launch record" in section
        # The reliability posterior and the 24-month outlook, each drawn for a desktop and a phone.
        assert (
            section.count('<div class="chart-wide"><svg') == 2 and section.count('"chart-narrow"><svg') == 2
        )
    assert html.count('<div class="chart-wide"><svg') == 5  # + who gets a satellite up first
    assert 'id="data-age"' in html and "data as of <strong>2023-12-30</strong>" in html
    assert "GCAT" in html and "CC BY 4.0" in html
    assert '<label for="q">' in html and 'name="viewport"' in html
    assert "cdn" not in html.lower() and "<script" not in html  # offline, no build step
    assert all('role="img" aria-label=' in figure for figure in re.findall(r"<figure[^>]*>", html))


def test_the_form_answers_any_name_and_suggests_for_a_misspelling(client: TestClient) -> None:
    asked = client.get("/", params={"q": "천리마-1"}).text
    answer = asked.split('id="answer"')[1].split("</section>")[0]
    assert "Chollima-1, flight 4" in answer and "<svg" in answer and "1 of 3 launches succeeded" in answer
    # The API's warnings are kept (the data are years old here: flight 4 may already have flown).
    assert "may already have happened" in answer
    misspelt = client.get("/", params={"q": "Chollma"}).text
    assert 'id="problem"' in misspelt and 'class="suggestion">Chollima-1</a>' in misspelt
    assert client.get("/", params={"q": "x" * 101}).status_code == 422


def test_before_any_model_the_page_says_what_is_happening(tmp_path: Path) -> None:
    """A browser at / before the first fit gets a page (not problem JSON) and when to come back."""
    from launchcast.service.app import create_app
    from launchcast.service.settings import Settings
    from tests.conftest import DATA

    settings = Settings(registry_dir=tmp_path / "empty", data_dir=DATA, refit_schedule=False)
    with TestClient(create_app(settings)) as client:
        page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert int(page.headers["retry-after"]) > 0
    assert "The model is being prepared" in page.text and "launchcast fit" in page.text


def test_the_page_says_when_no_korean_launch_is_announced(client: TestClient) -> None:
    html = client.get("/").text
    assert 'id="none-announced"' in html and "launch rate alone" in html


def test_percentages_round_honestly() -> None:
    """0.996 is never "100%" (certain), 0.003 never "0%" (impossible)."""
    from launchcast.service.numbers import percent

    assert [percent(p) for p in (0.996, 0.9949, 0.003, 0.0, 1.0, 0.5)] == [
        ">99%",
        "99%",
        "<1%",
        "0%",
        "100%",
        "50%",
    ]
    assert percent(0.9996, 1) == ">99.9%" and percent(0.62845, 1) == "62.8%"


def test_korean_names_sit_beside_english_ones(client: TestClient) -> None:
    html = client.get("/").text
    north = html[html.index('id="programme-KP"') : html.index('id="programme-KR"')]
    south = html[html.index('id="programme-KR"') :]
    assert '<span lang="ko">북한</span>' in north and '<span lang="ko">천리마-1</span>' in north
    assert '<span lang="ko">한국</span>' in south and '<span lang="ko">누리호</span>' in south


def test_the_four_questions_come_first_in_order_with_the_apis_numbers(client: TestClient) -> None:
    html = client.get("/").text
    order = [html.index(f'id="glance-{key}"') for key in ("next", "five", "first", "russia")]
    assert order == sorted(order) and order[-1] < html.index('id="ask-title"')
    glance = html[html.index('id="glance"') : html.index('id="ask-title"')]
    for state in ("KP", "KR"):
        answer = client.get("/v1/forecast/next", params={"state": state}).json()
        assert _percent(answer["probability"]) in glance
    race = client.post("/v1/forecast/versus", json={"a": {"state": "KP"}, "b": {"state": "KR"}}).json()
    assert _percent(race["probability_a_first"]) in glance
    # The eb-beta baseline served here has no foreign-help term: the page says so, plainly.
    assert "Not answerable from the model served now" in glance


def test_the_russian_help_verdict_and_arms_on_the_page(full_fit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from launchcast.model.operations.registry import Registry
    from launchcast.service.app import create_app
    from launchcast.service.settings import Settings
    from tests.conftest import DATA

    registry = Registry(tmp_path / "registry")
    registry.promote(registry.publish(full_fit))
    settings = Settings(registry_dir=registry.root, data_dir=DATA, refit_schedule=False)
    with TestClient(create_app(settings)) as hierarchical:
        html = hierarchical.get("/").text
        scenario = hierarchical.post(
            "/v1/forecast/scenario", json={"scenario": "foreign-help", "state": "KP"}
        ).json()
    from html import unescape

    russia = unescape(html[html.index('id="glance-russia"') : html.index("</ol>")])
    assert scenario["evidence"]["verdict"] in russia
    for arm in scenario["arms"]:
        assert f"{arm['description']} <strong>{_percent(arm['probability'])}</strong>" in russia


def test_a_korean_page_is_one_click_away(client: TestClient) -> None:
    """#26 friction 9: Korean names appeared once, in a placeholder, and every page was lang="en"."""
    english = client.get("/").text
    link = re.search(
        r'<a class="language" id="language" href="([^"]+)" hreflang="ko" lang="ko">한국어</a>', english
    )
    assert link is not None and link[1] == "/?lang=ko"
    korean = client.get(link[1])
    assert korean.status_code == 200
    html = korean.text
    assert '<html lang="ko">' in html and "한반도 발사 전망" in html and "네 가지 질문, 한눈에" in html
    assert "다음 발사는 궤도에 도달할까?" in html and "러시아의 지원이 성공 확률을 바꿨을까?" in html
    kp = html.split('id="programme-KP"')[1].split("</section>")[0]
    assert "북한" in kp and "천리마-1" in kp and "발사 기록" in kp and "실패" in kp
    # The numbers are the English page's; what the model writes stays English, marked as such.
    answer = client.get("/v1/forecast/next", params={"state": "KP"}).json()
    assert _percent(answer["probability"]) in kp
    assert '<span lang="en">' in html and 'id="english-note"' in html
    assert 'href="/" hreflang="en"' in html
    # The form keeps the language; an unknown language is refused by name.
    asked = client.get("/", params={"q": "Nuri", "lang": "ko"}).text
    assert '<input type="hidden" name="lang" value="ko">' in asked and "궤도 도달 확률" in asked
    assert 'href="/?q=Nuri"' in asked  # back to English, same question
    refused = client.get("/", params={"lang": "fr"})
    assert refused.status_code == 422 and "lang" in refused.text


def test_one_build_serves_the_page_in_both_languages(settings) -> None:  # type: ignore[no-untyped-def]
    """The charts are most of a page's cost: asked in English, the Korean page of the same
    minute and question is rendered from the same build and cached with it."""
    from datetime import UTC, datetime

    from launchcast.service.app import create_app

    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    with TestClient(create_app(settings, clock=lambda: now)) as client:
        english = client.get("/", params={"q": "Nuri"})
        served = client.app.state.holder.served  # type: ignore[attr-defined]
        cached = served.cached_chart(("page", now.isoformat(), "Nuri", "ko"))
        assert english.status_code == 200 and cached is not None
        korean = client.get("/", params={"q": "Nuri", "lang": "ko"})
        assert korean.content == cached and '<html lang="ko">' in korean.text
        assert re.findall(r"\d+%", english.text)[:8] == re.findall(r"\d+%", korean.text)[:8]
