"""POST /v1/batch: many questions in one request, each the answer its own route gives."""

from __future__ import annotations

from fastapi.testclient import TestClient

AS_OF = "2024-06-01T00:00:00Z"


def test_a_batch_answers_each_question_as_its_route_would(client: TestClient) -> None:
    questions = [
        {"question": "next", "vehicle": "Chollima-1"},
        {"question": "campaign", "vehicle": "Nuri", "launches": 3, "paths": 5000},
        {"question": "by-date", "state": "KP", "date": "2025-01-01"},
        {"question": "by-month", "state": "KR", "months": 4},
        {"question": "versus", "a": {"state": "KP"}, "b": {"state": "KR"}},
        {"question": "launches", "state": "KP", "from": "2024-01-01", "until": "2025-01-01"},
        {"question": "scenario", "scenario": {"scenario": "after-failure", "vehicle": "Nuri"}},
        {"question": "next", "vehicle": "Chollma"},
    ]
    response = client.post("/v1/batch", json={"questions": questions, "as_of": AS_OF})
    assert response.status_code == 200, response.text
    answers = response.json()["answers"]
    assert [a["index"] for a in answers] == list(range(len(questions)))
    assert [a["status"] for a in answers] == [200] * 7 + [404]
    alone = client.get("/v1/forecast/next", params={"vehicle": "Chollima-1", "as_of": AS_OF})
    assert answers[0]["answer"] == alone.json()
    campaign = {"vehicle": "Nuri", "launches": 3, "paths": 5000, "as_of": AS_OF}
    assert answers[1]["answer"] == client.post("/v1/forecast/campaign", json=campaign).json()
    by_date = client.post("/v1/forecast/by-date", json={"state": "KP", "date": "2025-01-01", "as_of": AS_OF})
    assert answers[2]["answer"] == by_date.json()
    window = {"state": "KP", "from": "2024-01-01", "until": "2025-01-01", "as_of": AS_OF}
    assert answers[5]["answer"] == client.get("/v1/forecast/launches", params=window).json()
    assert len(answers[3]["answer"]["months"]) == 4 and answers[4]["answer"]["a"]["state"] == "KP"
    assert answers[6]["answer"]["scenario"] == "after-failure"
    missing = answers[7]["problem"]
    assert missing["suggestions"][0] == "Chollima-1" and missing["type"].endswith("/problems/not-found")
    assert answers[7]["answer"] is None


def test_a_batch_is_bounded(client: TestClient) -> None:
    """At most 50 questions; invalid fields name their place; the questions share one work budget."""
    too_many = client.post("/v1/batch", json={"questions": [{"question": "next", "state": "KP"}] * 51})
    assert too_many.status_code == 422 and "questions" in too_many.json()["detail"]
    bad = client.post(
        "/v1/batch", json={"questions": [{"question": "next", "state": "KP"}, {"question": "when"}]}
    )
    assert bad.status_code == 422 and "questions.1" in bad.json()["detail"]
    # Each of these fits the per-request budget alone; together the later ones do not.
    heavy = {"question": "by-date", "state": "US", "date": "2040-01-01", "paths": 30_000, "as_of": AS_OF}
    answers = client.post("/v1/batch", json={"questions": [heavy] * 6}).json()["answers"]
    statuses = [a["status"] for a in answers]
    assert statuses[0] == 200 and 422 in statuses
    refused = next(a for a in answers if a["status"] == 422)["problem"]["detail"]
    assert "earlier questions" in refused and "over the limit" in refused
