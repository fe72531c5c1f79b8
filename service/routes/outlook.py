"""``GET /``: the Korean launch outlook page (``service.outlook``), rendered by the server."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from launchcast.service import outlook
from launchcast.service.errors import public
from launchcast.service.languages import LANGUAGES
from launchcast.service.routes import deps

router = APIRouter(tags=["outlook"])

#: How long a browser is asked to wait while the first model is made (a fit takes about a minute).
WAIT_SECONDS = 30


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def outlook_page(
    request: Request,
    holder: deps.HolderDep,
    clock: deps.ClockDep,
    work: deps.WorkDep,
    upkeep: deps.UpkeepDep,
    q: Annotated[
        str | None,
        Query(max_length=100, pattern=deps.TEXT_PATTERN, description="a vehicle or state to ask about"),
    ] = None,
    lang: Annotated[Literal["en", "ko"], Query(description="the page's language: en or ko (Korean)")] = "en",
) -> HTMLResponse:
    """North and South Korea side by side; ``q`` asks about any vehicle or state."""
    served = holder.served
    if served is None:  # a browser gets a page saying what is happening, not problem JSON
        return HTMLResponse(
            outlook.waiting(public(holder.error), WAIT_SECONDS),
            status_code=503,
            headers={"Retry-After": str(WAIT_SECONDS)},
        )
    now = clock().replace(second=0, microsecond=0)  # one page per minute and question
    question = (q or "").strip() or None
    totals = upkeep.totals or None

    def key(language: str) -> tuple[str, ...]:
        return ("page", now.isoformat(), question or "", language)

    def page() -> bytes:
        """The page in every language from one build (the charts are most of its cost); the
        others are cached for the same minute and question."""
        built = outlook.build(served, now, question, totals)
        pages = {language: outlook.render(built, language).encode("utf-8") for language in LANGUAGES}
        for language in LANGUAGES:
            if language != lang:
                served.chart(key(language), partial(pages.__getitem__, language))
        return pages[lang]

    body = served.cached_chart(key(lang)) or await work.run(request, lambda: served.chart(key(lang), page))
    return HTMLResponse(body)
