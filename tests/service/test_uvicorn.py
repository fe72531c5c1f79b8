"""The real thing: `launchcast serve` (uvicorn) on a free loopback port, queried over HTTP."""

from __future__ import annotations

import httpx

from launchcast.service.settings import Settings
from tests.conftest import DATA
from tests.service.server import running_server


def test_real_server_answers_the_korean_questions(settings: Settings) -> None:
    env = {"LAUNCHCAST_REGISTRY_DIR": str(settings.registry_dir), "LAUNCHCAST_DATA_DIR": str(DATA)}
    with running_server(env) as url, httpx.Client(base_url=url, timeout=10) as client:
        chollima = client.get("/v1/forecast/next", params={"vehicle": "Chollima-1"})
        assert chollima.status_code == 200 and chollima.json()["vehicle"] == "Cheonlima-1"
        race = client.post("/v1/forecast/versus", json={"a": {"state": "KP"}, "b": {"state": "KR"}})
        assert race.status_code == 200 and 0 <= race.json()["probability_a_first"] <= 1
        assert client.get("/v1/forecast/next", params={"vehicle": "nope"}).status_code == 404
        assert "launchcast_requests_total" in client.get("/metrics").text
