"""The outlook page in a real browser: Debian's Chromium driven by Playwright, against real uvicorn.

``.ci/run`` installs Chromium (``apt-get install chromium``); Playwright comes with the dev
extra and drives that binary (no browser download).  Without Chromium the tests skip,
saying so.  Screenshots are kept as artefacts in ``LAUNCHCAST_TEST_ARTIFACTS`` (default
``var/test-artifacts``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from launchcast.model.record.history import LaunchHistory
from tests.conftest import REPO
from tests.service.conftest import registry_with
from tests.service.server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium: apt-get install chromium (.ci/run does)"
)
ARTIFACTS = Path(os.environ.get("LAUNCHCAST_TEST_ARTIFACTS", REPO / "var" / "test-artifacts"))
#: As the machine notes advise for headless Chromium here: no sandbox as root, no background network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, history: LaunchHistory) -> Iterator[str]:
    registry = registry_with(tmp_path_factory.mktemp("outlook-registry"), history)
    with running_server({"LAUNCHCAST_REGISTRY_DIR": str(registry.root)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


def _open(browser, url: str, width: int, height: int):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.goto(url, wait_until="load", timeout=60_000)
    return page, problems


def test_every_chart_renders_without_console_errors(site: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, problems = _open(browser, f"{site}/", 1280, 900)
    charts = page.locator("figure .chart-wide svg")
    assert charts.count() == 5
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 80
    labels = page.locator("figure .chart-wide svg text").all_text_contents()
    assert "reliability of the next launch" in labels and "P(at least one success)" in labels
    assert any("GCAT" in label for label in labels) and any(
        "data as of 2023-12-30" in label for label in labels
    )
    assert "North Korea" in page.inner_text("#programme-KP") and "Nuri" in page.inner_text("#programme-KR")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "outlook-desktop.png", full_page=True)
    assert problems == []
    page.close()


def test_the_form_answers_and_suggests(site: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, problems = _open(browser, f"{site}/", 1280, 900)
    page.get_by_role("textbox", name="Vehicle or state").fill("Chollima-1")
    page.get_by_role("button", name="Forecast the next launch").click()
    page.wait_for_selector("#answer svg")
    assert "Chollima-1, flight 4" in page.inner_text("#answer")
    page.get_by_role("textbox", name="Vehicle or state").fill("Chollma")
    page.get_by_role("button", name="Forecast the next launch").click()
    page.wait_for_selector("#problem")
    suggestions = page.locator("a.suggestion").all_text_contents()
    assert suggestions[0] == "Chollima-1"
    page.locator("a.suggestion").first.click()
    page.wait_for_selector("#answer svg")
    assert "Chollima-1, flight 4" in page.inner_text("#answer")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "outlook-answer.png")
    assert problems == []
    page.close()


def test_the_page_fits_a_phone(site: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, problems = _open(browser, f"{site}/?q=Nuri", 390, 844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    for code in ("KP", "KR"):
        box = page.locator(f"#programme-{code}").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    first, second = (page.locator(f"#programme-{c}").bounding_box() for c in ("KP", "KR"))
    assert second["y"] > first["y"] + first["height"] - 1  # the two columns stack on a phone
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "outlook-phone.png", full_page=True)
    assert problems == []
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_four_answers_are_found_in_order_on_a_phone_and_a_desktop(site: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page, problems = _open(browser, f"{site}/", width, 844)
    boxes = [page.locator(f"#glance-{key}").bounding_box() for key in ("next", "five", "first", "russia")]
    assert all(box is not None and box["height"] > 0 for box in boxes)
    tops = [box["y"] for box in boxes if box is not None]
    assert tops == sorted(tops)  # in the order: next launch, five flights, who first, Russian help
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes if box is not None)
    text = page.inner_text("#glance")
    assert "North Korea" in text and "South Korea" in text and "Russian help" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert problems == []
    page.close()


#: Every text of every chart shown, as rendered: its font size times the drawing's scale on screen.
RENDERED_TEXT = """() => {
  const shown = [...document.querySelectorAll('figure svg')].filter(s => s.getBoundingClientRect().width > 0);
  return shown.map(svg => [...svg.querySelectorAll('text')].map(t => {
    const m = t.getScreenCTM();
    return [t.textContent, parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)];
  }));
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_chart_text_is_legible_on_a_phone_and_a_desktop(site: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    """#26 friction 8: on a phone the charts were ~290 px wide and their text a few pixels high.
    Each chart is drawn for the width it is shown at: no text under 11 px, on either."""
    page, problems = _open(browser, f"{site}/?q=Nuri", width, 844)
    charts = page.evaluate(RENDERED_TEXT)
    assert len(charts) == 6  # two per Korea, who first, and the form's answer: one drawing each
    sizes = [(text, size) for chart in charts for text, size in chart if text.strip()]
    assert len(sizes) > 60
    small = [(text, round(size, 1)) for text, size in sizes if size < 11]
    assert small == [], small
    for svg in page.locator("figure svg").all():
        box = svg.bounding_box()
        assert box is None or box["x"] + box["width"] <= width  # nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"outlook-charts-{width}.png", full_page=True)
    assert problems == []
    page.close()
