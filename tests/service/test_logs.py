"""Log lines carry the request id, as plain text or JSON."""

from __future__ import annotations

import json
import logging

import pytest
from asgi_correlation_id import correlation_id
from fastapi.testclient import TestClient

from launchcast.service.logs import configure_logging


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_records_carry_the_request_id(log_format: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(log_format)
    token = correlation_id.set("req-42")
    try:
        logging.getLogger("launchcast.test").info("now serving %s", "v1")
    finally:
        correlation_id.reset(token)
    logging.getLogger("launchcast.test").warning("outside a request")
    lines = capsys.readouterr().err.splitlines()
    if log_format == "json":
        first, second = (json.loads(line) for line in lines[-2:])
        assert first["request_id"] == "req-42" and first["message"] == "now serving v1"
        assert first["level"] == "info" and first["logger"] == "launchcast.test"
        assert second["request_id"] == "-" and second["level"] == "warning"
    else:
        assert "[req-42] now serving v1" in lines[-2] and "INFO" in lines[-2]
        assert "[-] outside a request" in lines[-1]


def test_the_access_log_has_its_parts_as_fields(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """#26: the access log was one flat message; now method, route, status, latency and the
    request id are JSON keys a log pipeline can filter on."""
    configure_logging("json")
    client.get("/v1/vehicles", params={"q": "Nuri"}, headers={"X-Request-ID": "acc-1"})
    client.get("/v1/forecast/next", params={"vehicle": "Chollma"}, headers={"X-Request-ID": "acc-2"})
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    access = {r["request_id"]: r for r in records if r["logger"] == "launchcast.access"}
    listed, missed = access["acc-1"], access["acc-2"]
    assert listed["method"] == "GET" and listed["route"] == "/v1/vehicles" and listed["status"] == 200
    assert missed["route"] == "/v1/forecast/next" and missed["status"] == 404
    assert missed["path"] == "/v1/forecast/next" and 0 < missed["duration_ms"] < 10_000
