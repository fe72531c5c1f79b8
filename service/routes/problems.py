"""``GET /problems/<slug>``: the page each problem's ``type`` URI resolves to (RFC 9457 §3.1.1)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from launchcast.service.errors import PROBLEMS, slug

router = APIRouter(tags=["problems"])
PAGES = {slug(status): (status, title, text) for status, (title, text) in PROBLEMS.items()}


@router.get("/problems/{kind}", response_class=HTMLResponse, include_in_schema=False)
async def problem_page(kind: str) -> HTMLResponse:
    """What a kind of problem means and what to do about it; every kind is listed on a 404."""
    if kind not in PAGES:
        known = "".join(f'<li><a href="{escape(k)}">{escape(k)}</a></li>' for k in PAGES)
        return HTMLResponse(
            _page("Unknown problem type", f"<p>No problem is called {escape(kind)!r}.</p><ul>{known}</ul>"),
            404,
        )
    status, title, text = PAGES[kind]
    body = (
        f"<p>HTTP status {status}.</p><p>{escape(text)}</p>"
        "<p>Every error answer is RFC 9457 problem details (application/problem+json): "
        "<code>detail</code> says what was wrong with that request and how to fix it, and "
        "<code>request_id</code> finds it in the service's log.</p>"
    )
    return HTMLResponse(_page(title, body))


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>launchcast: {escape(title)}</title></head>"
        '<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; '
        'padding: 0 1rem">'
        f'<h1>{escape(title)}</h1>{body}<p><a href="/docs">The API\'s documentation</a></p></body></html>'
    )
