"""Logging as operators expect: plain lines by default, JSON lines with ``LAUNCHCAST_LOG_FORMAT=json``.

Every record carries the request id (``X-Request-ID``, set per request by
asgi-correlation-id; ``-`` outside a request), so a reload, a refit started by
``POST /v1/refit`` or a failed forecast can be traced to the request that caused
it.  uvicorn's own loggers go through the same handler.
"""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from asgi_correlation_id import CorrelationIdFilter

#: The fields of an access record (``service.metrics.log_access``), kept as JSON keys.
ACCESS_FIELDS = ("method", "route", "path", "status", "duration_ms")
PLAIN = "%(asctime)s %(levelname)-7s %(name)s [%(correlation_id)s] %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message (and the exception);
    an access record's fields too, so a log pipeline can filter by route, status or latency."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "correlation_id", None),
            "message": record.getMessage(),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a record is emitted (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def logging_config(log_format: str = "plain", level: str = "INFO") -> dict[str, Any]:
    """A ``dictConfig`` for launchcast's and uvicorn's loggers; uvicorn applies it in every worker."""
    formatter = {"()": JsonFormatter} if log_format == "json" else {"format": PLAIN}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": CorrelationIdFilter, "default_value": "-"}},
        "formatters": {"default": formatter},
        "handlers": {"stderr": {"()": StderrHandler, "formatter": "default", "filters": ["request_id"]}},
        "loggers": {
            # launchcast's records also reach the root logger's handlers, if anything installed
            # some (a test runner's capture); a CLI or server process has none there.
            name: {"handlers": ["stderr"], "level": level.upper(), "propagate": name == "launchcast"}
            for name in ("launchcast", "uvicorn", "apscheduler")
        },
    }


def configure_logging(log_format: str = "plain", level: str = "INFO") -> None:
    """Configure this process's logging (the CLI; ``serve`` passes the same config to uvicorn)."""
    logging.config.dictConfig(logging_config(log_format, level))
