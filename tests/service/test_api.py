from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from launchcast.service.app import create_app
from launchcast.service.settings import Settings
from tests.conftest import DATA

FUTURE = (date.today() + timedelta(days=365)).isoformat()


def test_next_launch_of_a_vehicle_by_display_name(client: TestClient) -> None:
    response = client.get("/v1/forecast/next", params={"vehicle": "Chollima-1"})
    assert response.status_code == 200
    body = response.json()
    assert body["vehicle"] == "Cheonlima-1" and body["flight_number"] == 4
    assert 0 < body["probability"] < 1
    assert body["model"]["model"] == "eb-beta" and body["data_as_of"] == "2023-12-30"
    assert body["record"] == {
        "subject": "Chollima-1",
        "attempts": 3,
        "successes": 1,
        "first_launch": "2023-05-30T21:27Z",
        "last_launch": "2023-11-21T13:42Z",
    }


def test_next_launch_of_a_state_and_a_new_vehicle(client: TestClient) -> None:
    kp = client.get("/v1/forecast/next", params={"state": "KP"}).json()
    assert kp["vehicle"] == "Cheonlima-1" and kp["record"]["attempts"] == 8
    new = client.get("/v1/forecast/next", params={"state": "KP", "new_vehicle": "true"}).json()
    assert new["new_vehicle"] is True and new["flight_number"] == 1


def test_campaign(client: TestClient) -> None:
    response = client.post(
        "/v1/forecast/campaign", json={"vehicle": "Chollima-1", "launches": 5, "paths": 5000}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["success_pmf"]) == 6 and sum(body["success_pmf"]) == pytest.approx(1.0)
    assert body["model"]["version"] == "1.0"


def test_by_date_and_versus(client: TestClient) -> None:
    by_date = client.post("/v1/forecast/by-date", json={"state": "KP", "date": FUTURE})
    assert by_date.status_code == 200, by_date.text
    assert 0 < by_date.json()["probability"] < 1
    race = client.post("/v1/forecast/versus", json={"a": {"state": "KP"}, "b": {"state": "KR"}})
    assert race.status_code == 200, race.text
    body = race.json()
    assert body["a"]["state"] == "KP" and body["b"]["state"] == "KR"
    assert body["data_as_of"] == "2023-12-30"


@pytest.mark.parametrize(
    ("method", "url", "payload", "status", "message"),
    [
        ("get", "/v1/forecast/next", {"vehicle": "Chollma"}, 404, "closest known: Chollima-1"),
        ("get", "/v1/forecast/next", {"state": "NK"}, 404, "unknown state 'NK'"),
        ("get", "/v1/forecast/next", {}, 422, "say whose launch"),
        (
            "post",
            "/v1/forecast/campaign",
            {"vehicle": "Nuri", "launches": 101},
            422,
            "less than or equal to 100",
        ),
        (
            "post",
            "/v1/forecast/campaign",
            {"vehicle": "Nuri", "paths": 250_000},
            422,
            "less than or equal to 200000",
        ),
        ("post", "/v1/forecast/campaign", {"vehicle": "Nuri", "launches": "five"}, 422, "valid integer"),
        (
            "post",
            "/v1/forecast/by-date",
            {"state": "KP", "date": "2020-01-01"},
            422,
            "history, not a forecast",
        ),
        ("post", "/v1/forecast/by-date", {"state": "KP", "date": "soon"}, 422, "date"),
        ("post", "/v1/forecast/versus", {"a": {"state": "KP"}}, 422, "Field required"),
        (
            "post",
            "/v1/forecast/campaign",
            {"vehicle": "Nuri", "colour": "red"},
            422,
            "Extra inputs are not permitted",
        ),
        ("get", "/v1/history", {}, 422, "give state or vehicle"),
        ("get", "/v1/history", {"state": "XX"}, 404, "unknown state"),
    ],
)
def test_errors_are_4xx_with_the_reason(
    client: TestClient, method: str, url: str, payload: dict, status: int, message: str
) -> None:
    if method == "get":
        response = client.get(url, params=payload)
    else:
        response = client.post(url, json=payload)
    assert response.status_code == status, response.text
    assert message in response.text


def test_body_size_limit(client: TestClient) -> None:
    response = client.post(
        "/v1/forecast/campaign",
        content=b"{" + b" " * 20_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413 and "limit of 16,384 bytes" in response.json()["detail"]
    assert response.headers["content-type"] == "application/problem+json"

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"vehicle": "Nuri", "x": "'
        for _ in range(40):
            yield b"a" * 1000
        yield b'"}'

    chunked = client.post(
        "/v1/forecast/campaign", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413


def test_errors_are_problem_details_with_suggestions_and_request_id(client: TestClient) -> None:
    response = client.get(
        "/v1/forecast/next", params={"vehicle": "Chollma"}, headers={"X-Request-ID": "abc-123"}
    )
    problem = response.json()
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "http://127.0.0.1:8000/problems/not-found" and problem["status"] == 404
    assert problem["suggestions"][0] == "Chollima-1" and problem["instance"] == "/v1/forecast/next"
    assert problem["request_id"] == "abc-123" and response.headers["X-Request-ID"] == "abc-123"
    invalid = client.post("/v1/forecast/campaign", json={"vehicle": "Nuri", "launches": "five"}).json()
    assert invalid["status"] == 422 and invalid["errors"][0]["loc"] == ["body", "launches"]
    assert client.get("/v1/model").headers["X-Request-ID"]  # generated when not sent


def test_states_by_name_and_korean_vehicle_names(client: TestClient) -> None:
    by_code = client.get("/v1/forecast/next", params={"state": "KR"}).json()
    for name in ("South Korea", "Korea, South", "대한민국"):
        assert (
            client.get("/v1/forecast/next", params={"state": name}).json()["probability"]
            == by_code["probability"]
        )
    # South Korea's next launch flies Nuri (3 launches 2021-2023), not ADD's one-off test vehicle.
    assert by_code["vehicle"] == "Nuri" and "Nuri" in by_code["vehicle_choice"]
    hangul = client.get("/v1/forecast/next", params={"vehicle": "천리마-1"}).json()
    assert hangul["vehicle"] == "Cheonlima-1"
    assert client.get("/v1/forecast/next", params={"vehicle": "누리호"}).json()["vehicle"] == "Nuri"
    wrong = client.get("/v1/forecast/next", params={"state": "North Koera"}).json()
    assert "North Korea" in wrong["suggestions"]


def test_vehicles_states_history(client: TestClient) -> None:
    found = client.get("/v1/vehicles", params={"q": "chollima"}).json()
    assert [v["vehicle"] for v in found] == ["Cheonlima-1"]
    assert len(client.get("/v1/vehicles").json()) == 408
    states = {s["state"]: s for s in client.get("/v1/states").json()}
    assert states["KP"]["attempts"] == 8 and states["KP"]["name"] == "North Korea"
    kp = client.get("/v1/history", params={"state": "KP"}).json()
    assert len(kp) == 8 and kp[-1]["vehicle"] == "Cheonlima-1" and kp[-1]["outcome"] == "success"
    nuri = client.get("/v1/history", params={"vehicle": "Nuri"}).json()
    assert [launch["outcome"] for launch in nuri] == ["failure", "success", "success"]


def test_model_health_ready_metrics(client: TestClient) -> None:
    info = client.get("/v1/model").json()
    assert info["model"] == "eb-beta" and "CC BY 4.0" in info["attribution"]
    assert info["data_as_of"] == "2023-12-30" and len(info["data_hash"]) == 64
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    client.get("/v1/forecast/next", params={"vehicle": "Nuri"})
    text = client.get("/metrics").text
    assert 'launchcast_requests_total{method="GET",route="/v1/forecast/next",status="200"}' in text
    assert "launchcast_request_seconds_bucket" in text
    assert 'launchcast_model_info{data_as_of="2023-12-30",model="eb-beta",registry_version=' in text
    assert "launchcast_fit_timestamp_seconds" in text and "process_resident_memory_bytes" in text
    assert "launchcast_data_as_of_timestamp_seconds 1.7038944e+09" in text  # 2023-12-30 00:00 UTC
    assert "launchcast_update_failures_total 0.0" in text


def test_no_fit_means_503_saying_how_to_make_one(tmp_path: Path) -> None:
    settings = Settings(registry_dir=tmp_path / "none", data_dir=DATA, refit_schedule=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "launchcast fit" in ready.text
        response = client.get("/v1/forecast/next", params={"vehicle": "Nuri"})
        assert response.status_code == 503 and "launchcast fit" in response.text


NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def asked_now(settings: Settings) -> Iterator[TestClient]:
    """The same app with its clock at a fixed moment: "now" comes from the edge."""
    with TestClient(create_app(settings, clock=lambda: NOW)) as test_client:
        yield test_client


def test_every_answer_carries_the_data_age(asked_now: TestClient) -> None:
    body = asked_now.get("/v1/forecast/next", params={"vehicle": "Falcon 9"}).json()
    assert body["as_of"] == "2026-11-23T00:00:00Z" and body["data_age_days"] == 1059
    assert "the data end 1,059 days before" in body["warnings"][0]
    assert body["expected_launches_since_data"] > 100
    fresh = asked_now.get(
        "/v1/forecast/next", params={"vehicle": "Falcon 9", "as_of": "2023-12-31T00:00:00Z"}
    ).json()
    assert fresh["data_age_days"] == 1 and fresh["warnings"] == []  # Falcon 9: ~0.1 launch in half a day
    assert fresh["probability"] == body["probability"]  # same flight; only the time fields move
    for path, payload in (
        ("campaign", {"vehicle": "Nuri", "paths": 2000}),
        ("by-date", {"state": "KP", "date": "2027-06-01", "paths": 2000}),
        ("versus", {"a": {"state": "KP"}, "b": {"state": "KR"}, "paths": 2000}),
    ):
        answer = asked_now.post(f"/v1/forecast/{path}", json=payload).json()
        assert answer["data_age_days"] == 1059 and answer["warnings"], path


def test_by_date_window_starts_now_and_as_of_reproduces(asked_now: TestClient) -> None:
    week = asked_now.post("/v1/forecast/by-date", json={"state": "KP", "date": "2026-11-30"}).json()
    assert week["window_start"] == "2026-11-23T00:00:00Z" and week["years"] == pytest.approx(
        7 / 365, abs=1e-6
    )
    earlier = {"state": "KP", "date": "2026-01-01", "as_of": "2025-06-01T12:00:00Z", "seed": 3}
    one = asked_now.post("/v1/forecast/by-date", json=earlier).json()
    assert one == asked_now.post("/v1/forecast/by-date", json=earlier).json()
    assert one["window_start"] == "2025-06-01T12:00:00Z"
    past = asked_now.post("/v1/forecast/by-date", json={"state": "KP", "date": "2026-01-01"})
    assert past.status_code == 422 and "history, not a forecast" in past.json()["detail"]
    before = asked_now.get("/v1/forecast/next", params={"state": "KP", "as_of": "2023-01-01T00:00:00Z"})
    assert before.status_code == 422 and "before the data's last launch" in before.json()["detail"]


def test_model_and_readiness_report_stale_data(asked_now: TestClient) -> None:
    info = asked_now.get("/v1/model").json()
    assert info["data_age_days"] == 1059 and info["warnings"] and info["served_version"]
    assert info["last_update"] is None and info["last_successful_update"] is None
    ready = asked_now.get("/readyz")
    assert ready.status_code == 200  # stale data is a warning, not an outage
    assert ready.json()["data_age_days"] == 1059 and ready.json()["warnings"]


def test_the_cached_next_launch_answer_is_the_full_answer(asked_now: TestClient, settings: Settings) -> None:
    """The service joins per-request time fields onto a cached answer: it must equal the model's."""
    from launchcast.model.questions.asking import Programme
    from launchcast.model.questions.forecast import next_launch

    fit = settings.registry().load_current()
    for vehicle, as_of in (("Falcon 9", None), ("Nuri", "2024-02-01T06:30:00Z"), ("Chollima-1", None)):
        params = {"vehicle": vehicle, **({"as_of": as_of} if as_of else {})}
        served = asked_now.get("/v1/forecast/next", params=params).json()
        now = datetime.fromisoformat(as_of) if as_of else NOW
        assert served == next_launch(fit, Programme(vehicle=vehicle), now=now).model_dump(mode="json")


def test_docs_work_offline_and_are_measured_by_route(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "cdn" not in page.text.lower()
    script = next(part.split('"')[1] for part in page.text.split("<script src=")[1:])
    assert script.startswith("/static-offline-docs/") and client.get(script).status_code == 200
    assert "Redoc" in client.get("/redoc").text or "redoc" in client.get("/redoc").text
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/forecast/next"]["get"]
    assert operation["operationId"] == "next_launch"
    assert all(p.get("description") for p in operation["parameters"])
    assert "application/problem+json" in operation["responses"]["404"]["content"]
    metrics = client.get("/metrics").text
    assert 'route="/docs"' in metrics and 'route="/openapi.json"' in metrics


def test_explain_adds_up_and_is_only_computed_when_asked(client: TestClient) -> None:
    plain = client.get("/v1/forecast/next", params={"vehicle": "Chollima-1"}).json()
    assert plain["explanation"] is None
    explained = client.get("/v1/forecast/next", params={"vehicle": "천리마-1", "explain": "true"}).json()
    assert explained["probability"] == pytest.approx(plain["probability"])
    counts = explained["explanation"]["counts"]  # the served fit here is eb-beta: counts and a prior
    assert counts["successes"] == 1 and counts["attempts"] == 3 and explained["explanation"]["adds_up"]


def test_launches_answers_a_distribution_a_chart_and_clear_errors(client: TestClient) -> None:
    """GET /v1/forecast/launches: how many North Korean launches from 2024 until 2027."""
    params = {
        "state": "KP",
        "from": "2024-01-01",
        "until": "2027-01-01",
        "at_least": 2,
        "as_of": "2024-06-01T00:00:00Z",
    }
    body = client.get("/v1/forecast/launches", params=params).json()
    assert body["kind"] == "state" and body["name"] == "KP" and body["window_end"] == "2027-01-01"
    assert abs(sum(body["launches"]["pmf"]) - 1) < 1e-3
    assert body["launches"]["interval_90"]["low"] <= body["launches"]["median"]
    assert body["launch_rate"].startswith("the state North Korea's launch rate")
    svg = client.get("/v1/forecast/launches", params={**params, "format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml") and 'id="at_least"' in svg.text
    for bad, why in (
        ({"from": "2027-01-01"}, "must be after"),
        ({"operator": "SPX"}, "name one of"),
        ({"until": "9999-01-01"}, "must be between"),
    ):
        answer = client.get("/v1/forecast/launches", params={**params, **bad})
        assert answer.status_code == 422 and why in answer.text, answer.text
    missing = client.get("/v1/forecast/launches", params={"state": "KP", "from": "2024-01-01"})
    assert missing.status_code == 422 and "until" in missing.text


def test_operators_are_listed_with_names_vehicles_and_rates(client: TestClient) -> None:
    spacex = client.get("/v1/operators", params={"q": "spacex"}).json()
    assert spacex[0]["operator"] == "SPX" and spacex[0]["vehicle"] == "Falcon 9" and spacex[0]["active"]
    everyone = client.get("/v1/operators").json()
    rates = [o["launches_per_year"] for o in everyone]
    assert rates == sorted(rates, reverse=True) and everyone[0]["operator"] == "SPX"
    assert client.get("/v1/operators", params={"q": "a\x00"}).status_code == 422


def test_problem_types_are_absolute_and_resolve_to_a_page_describing_them(client: TestClient) -> None:
    """#26: types were relative paths that 404; now each is absolute and answers with a page."""
    kinds = {
        client.get("/v1/forecast/next", params={"vehicle": "Chollma"}).json()["type"]: "closest known names",
        client.get("/v1/forecast/next", params={"vehicle": "Nuri", "as_of": "9999-01-01"}).json()["type"]: (
            "every invalid field"
        ),
        client.post("/v1/refit").json()["type"]: "bearer token",
        client.post("/v1/forecast/campaign", content=b"x" * 100_000).json()[
            "type"
        ]: "LAUNCHCAST_MAX_BODY_BYTES",
    }
    assert len(kinds) == 4
    for uri, says in kinds.items():
        assert uri.startswith("http://127.0.0.1:8000/problems/")  # Settings.base_url, not Host
        page = client.get(uri)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert says in page.text
    unknown = client.get("/problems/nonsense")
    assert unknown.status_code == 404 and "not-found" in unknown.text


def test_openapi_has_one_error_schema_the_bearer_scheme_and_specific_operation_ids(
    client: TestClient,
) -> None:
    """#26: errors were documented both as problem+json and as FastAPI's HTTPValidationError, the
    token as a raw header parameter, and some operation ids were generic (``status``, ``model``)."""
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in str(spec) and "ValidationError" not in spec["components"]["schemas"]
    operations = [op for ops in spec["paths"].values() for op in ops.values()]
    for operation in operations:
        for status, response in operation["responses"].items():
            if status[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (
                    operation["operationId"],
                    status,
                )
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) and not {"status", "model", "vehicles", "history"} & set(ids)
    assert {"refit_status", "served_model", "list_vehicles", "launch_history"} <= set(ids)
    assert spec["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer", "description": "LAUNCHCAST_ADMIN_TOKEN"}
    }
    refit = spec["paths"]["/v1/refit"]["post"]
    assert refit["security"] == [{"HTTPBearer": []}]
    assert not any(p["name"].lower() == "authorization" for p in refit.get("parameters", []))


def _csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    import csv
    import io

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    lines = [line for line in response.text.splitlines() if not line.startswith("#")]
    assert response.text.splitlines()[-1].startswith("# ")  # provenance closes every table
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_every_tabular_answer_comes_as_csv(client: TestClient) -> None:
    """#26: CSV for every tabular answer (history, track record, by-month, launches, the lists),
    by format=csv or Accept: text/csv, each row the JSON answer's."""
    history = client.get("/v1/history", params={"state": "KP"})
    rows = _csv(client.get("/v1/history", params={"state": "KP", "format": "csv"}))
    assert [r["launch_tag"] for r in rows] == [r["launch_tag"] for r in history.json()]
    assert "GCAT" in client.get("/v1/history", params={"state": "KP", "format": "csv"}).text
    vehicles = _csv(client.get("/v1/vehicles", params={"q": "Nuri"}, headers={"Accept": "text/csv"}))
    assert vehicles[0]["display_name"].startswith("Nuri") and int(vehicles[0]["attempts"]) >= 3
    assert {r["state"] for r in _csv(client.get("/v1/states", params={"format": "csv"}))} >= {"KP", "KR"}
    assert _csv(client.get("/v1/operators", params={"q": "SPX", "format": "csv"}))[0]["operator"] == "SPX"
    asked = {"state": "KP", "months": 6, "as_of": "2024-01-01T00:00:00Z"}
    months = client.get("/v1/forecast/by-month", params=asked).json()["months"]
    table = _csv(client.get("/v1/forecast/by-month", params={**asked, "format": "csv"}))
    assert [(r["date"], float(r["probability"])) for r in table] == [
        (m["date"], pytest.approx(m["probability"])) for m in months
    ]
    window = {"state": "KP", "from": "2024-01-01", "until": "2025-01-01", "as_of": "2024-01-01T00:00:00Z"}
    counts = client.get("/v1/forecast/launches", params=window).json()
    table = _csv(client.get("/v1/forecast/launches", params=window, headers={"Accept": "text/csv;q=0.9"}))
    assert [float(r["p_launches"]) for r in table][: len(counts["launches"]["pmf"])] == pytest.approx(
        counts["launches"]["pmf"]
    )
    assert float(table[0]["p_launches_at_least"]) == pytest.approx(1.0)
    # A form a route does not have is refused by name, never ignored.
    refused = client.get("/v1/forecast/next", params={"vehicle": "Nuri", "format": "csv"})
    assert refused.status_code == 422 and "format" in refused.json()["detail"]
    # JSON still wins when it is preferred.
    assert (
        client.get(
            "/v1/history", params={"state": "KP"}, headers={"Accept": "application/json, text/csv;q=0.5"}
        ).headers["content-type"]
        == "application/json"
    )


def test_the_lean_next_launch_path_answers_as_the_documented_route(asked_now: TestClient) -> None:
    """#27: the plain JSON question is answered without FastAPI's per-request machinery
    (``routes.forecast.LeanNext``); its answers, headers, errors and metrics are the route's."""
    from launchcast.service.routes.forecast import LeanNext

    for params in (
        {"vehicle": "Chollima-1"},
        {"state": "KR"},
        {"vehicle": "천리마-1"},
        {"state": "North Korea"},
    ):
        lean = asked_now.get("/v1/forecast/next", params=params)
        full = asked_now.get("/v1/forecast/next", params={**params, "format": "json"})  # not lean
        assert lean.status_code == full.status_code == 200
        assert lean.json() == full.json() and lean.headers["vary"] == full.headers["vary"] == "Accept"
    missing = asked_now.get("/v1/forecast/next", params={"vehicle": "Chollma"})
    assert missing.status_code == 404 and missing.json()["suggestions"][0] == "Chollima-1"
    assert missing.headers["content-type"] == "application/problem+json"
    metrics = asked_now.get("/metrics").text
    assert 'launchcast_requests_total{method="GET",route="/v1/forecast/next",status="404"}' in metrics

    # What it leaves to the documented route: other parameters, charts, values to refuse.
    def lean(query: bytes, accept: bytes = b"") -> bool:
        scope = {
            "type": "http",
            "path": "/v1/forecast/next",
            "method": "GET",
            "query_string": query,
            "headers": [(b"accept", accept)] if accept else [],
            "root_path": "",
        }
        return LeanNext().matches(scope)[0].name == "FULL"

    assert lean(b"vehicle=Nuri") and lean(b"state=KP", b"application/json")
    assert not lean(b"vehicle=Nuri&explain=true") and not lean(b"vehicle=Nuri", b"image/svg+xml")
    assert not lean(b"vehicle=Nuri&vehicle=Naro-1") and not lean(b"vehicle=" + b"x" * 101)
    assert not lean(b"vehicle=Nuri%00") and not lean(b"")
