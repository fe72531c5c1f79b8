"""Chart benchmark: what a chart request costs beside its JSON answer (issue 15: <= 150 ms at p50).

In-process ASGI requests (no network) to the app serving the registry's current fit:
for each chart, the median over N *new* questions (a distinct as_of each time, so
nothing is cached), the median of repeats of one question (served from the chart
cache), and the JSON answer to the same question, measured in the same run.

    .venv/bin/python benchmarks/charts.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from datetime import UTC, datetime, timedelta

warnings.simplefilter("ignore")

from fastapi.testclient import TestClient  # noqa: E402

from launchcast.service.app import create_app  # noqa: E402
from launchcast.service.settings import Settings  # noqa: E402

QUESTIONS = {
    "next (Chollima-1)": ("get", "/v1/forecast/next", {"vehicle": "Chollima-1"}, None),
    "campaign (5 Chollima-1)": (
        "post",
        "/v1/forecast/campaign",
        {},
        {"vehicle": "Chollima-1", "launches": 5},
    ),
    "by-month (KP, 24 months)": ("get", "/v1/forecast/by-month", {"state": "KP"}, None),
    "versus (KP vs KR)": ("post", "/v1/forecast/versus", {}, {"a": {"state": "KP"}, "b": {"state": "KR"}}),
}


def timed(
    client: TestClient, method: str, path: str, params: dict, body: dict | None, at: str, fmt: str | None
) -> float:
    query = {**params, **({"format": fmt} if fmt else {})}
    if method == "get":
        query["as_of"] = at
    started = time.perf_counter()
    response = (
        client.get(path, params=query)
        if method == "get"
        else client.post(path, params=query, json={**(body or {}), "as_of": at})
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    repeat = parser.parse_args().repeat
    settings = Settings(refit_schedule=False, track_record=False)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"fit {settings.registry().current_id()}"
    )
    start = datetime(2026, 11, 23, tzinfo=UTC)
    with TestClient(create_app(settings)) as client:
        timed(
            client, "get", "/v1/forecast/next", {"vehicle": "Nuri"}, None, start.isoformat(), "svg"
        )  # import
        print(f"{'chart':26s} {'SVG new':>8s} {'PNG new':>8s} {'cached':>8s} {'JSON':>8s}   (ms, p50)")
        for label, (method, path, params, body) in QUESTIONS.items():
            row = []
            for fmt in ("svg", "png"):
                row.append(
                    statistics.median(
                        timed(
                            client,
                            method,
                            path,
                            params,
                            body,
                            (start + timedelta(minutes=i)).isoformat(),
                            fmt,
                        )
                        for i in range(1, repeat + 1)
                    )
                )
            row.append(
                statistics.median(
                    timed(client, method, path, params, body, start.isoformat(), "svg") for _ in range(repeat)
                )
            )
            row.append(
                statistics.median(
                    timed(
                        client, method, path, params, body, (start + timedelta(minutes=i)).isoformat(), None
                    )
                    for i in range(1, repeat + 1)
                )
            )
            print(f"{label:26s} " + " ".join(f"{v:8.1f}" for v in row))


if __name__ == "__main__":
    main()
