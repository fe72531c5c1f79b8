"""``GET /``: the Korean launch outlook page (``service.outlook``), rendered by the server."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from launchcast.service import outlook
from launchcast.service.routes import deps
from launchcast.service.settings import Settings
from launchcast.service.state import Clock, Served

router = APIRouter(tags=["outlook"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def outlook_page(
    request: Request,
    served: Annotated[Served, Depends(deps.served)],
    settings: Annotated[Settings, Depends(deps.settings)],
    clock: Annotated[Clock, Depends(deps.clock)],
    work: deps.WorkDep,
    q: Annotated[
        str | None,
        Query(max_length=100, pattern=deps.TEXT_PATTERN, description="a vehicle or state to ask about"),
    ] = None,
) -> HTMLResponse:
    """North and South Korea side by side; ``q`` asks about any vehicle or state."""
    now = clock().replace(second=0, microsecond=0)  # one page per minute and question
    question = (q or "").strip() or None
    totals = request.app.state.upkeep.totals or None

    def page() -> bytes:
        built = outlook.build(served, now, settings.stale_after_days, question, totals)
        return outlook.render(built).encode("utf-8")

    key = ("page", now.isoformat(), question or "")
    body = served.charts.get(key) or await work.run(request, lambda: served.chart(key, page))
    return HTMLResponse(body)
