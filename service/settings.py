"""One settings object for the CLI and the service (environment prefix ``LAUNCHCAST_``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from launchcast.model.defaults import GCAT_URL, SCHEDULE_URL, STALE_AFTER_DAYS, UPDATE_LOG

if TYPE_CHECKING:  # imported where used: every CLI command reads settings, even --help
    from launchcast.model.operations.registry import Registry
    from launchcast.model.record.ll2 import ScheduleConfig
    from launchcast.model.record.update import UpdateConfig


class Settings(BaseSettings):
    """Where launchcast keeps its state and how it serves; every field is ``LAUNCHCAST_<NAME>``.

    State lives under ``var_dir`` (default ``./var``, the working directory's), as an
    installed program's should: ``var/data`` holds the live launch data, seeded from the
    copy shipped in the package on first use; ``var/registry`` holds the fitted versions.
    """

    model_config = SettingsConfigDict(env_prefix="LAUNCHCAST_", extra="ignore")

    var_dir: Path = Field(Path("var"), description="state directory: data/ and registry/ unless set")
    data_dir: Path = Field(Path("var/data"), description="the live launch data (default var_dir/data)")
    registry_dir: Path = Field(
        Path("var/registry"), description="fitted versions and aliases (default var_dir/registry)"
    )
    database_url: str | None = Field(
        None,
        description="the forecast ledger's database, a SQLAlchemy URL "
        "(postgresql://…); default SQLite at var_dir/ledger.sqlite",
    )
    track_record: bool = Field(
        True,
        description="keep the forecast ledger: record standing forecasts when a "
        "fit becomes current, score launches as they arrive",
    )
    audit_log: bool = Field(False, description="record every served forecast request in the ledger")
    registry_keep: int = Field(5, ge=1, description="versions kept in the registry")
    log_format: Literal["plain", "json"] = Field("plain", description="log lines: plain text or JSON")
    access_log: bool = Field(
        True,
        description="log every request as one record with fields: method, route, path, status, "
        "duration_ms, request_id (JSON lines with log_format=json)",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="least severe level logged"
    )
    host: str = Field("127.0.0.1", description="address the service binds to")
    port: int = Field(8000, ge=1, le=65535)
    public_url: str | None = Field(
        None,
        description="the address clients reach the service at (behind a proxy, the proxy's), e.g. "
        "https://launchcast.example/; problem types are URIs under it. Default http://HOST:PORT/ — "
        "never the request's Host header, which a client chooses",
        pattern=r"^https?://[^\s?#]+$",
    )
    max_body_bytes: int = Field(16_384, ge=256, description="largest accepted request body")
    max_header_bytes: int = Field(16_384, ge=1024, description="largest request head (line and headers)")
    max_connections: int = Field(1024, ge=1, description="open connections; more are closed at once")
    keep_alive_seconds: int = Field(5, ge=1, description="idle connections are closed after this")
    work_threads: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1),
        ge=1,
        le=64,
        description="threads for expensive answers (simulations, charts, pages); "
        "default: the number of cores, at most 4",
    )
    work_queue: int = Field(
        16,
        ge=0,
        le=10_000,
        description="expensive requests that may wait for a "
        "thread; more are refused at once (503 with Retry-After)",
    )
    work_deadline_seconds: float = Field(
        10.0,
        gt=0,
        description="an expensive answer (queue wait included) is stopped after this (503 with Retry-After)",
    )
    database_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="how long a track-record read waits for the database (and a connection attempt "
        "may take) before answering from the last snapshot",
    )
    admin_token: str | None = Field(None, description="bearer token for POST /v1/refit")
    refit_schedule: bool = Field(True, description="let the service run refits on a schedule")
    refit_model: str = Field("hierarchical", description="model the scheduled/HTTP refits fit")
    first_fit_retry_seconds: float = Field(
        30.0,
        gt=0,
        description="wait before a first start's fit that ended without a model is tried again "
        "(doubling, at most 30 minutes)",
    )
    refit_cron: str = Field("0 3 * * 1", description="when (crontab, UTC): default Mondays 03:00")
    max_log_loss_increase: float = Field(
        0.05, ge=0, description="refuse to promote a refit whose recent log loss is this much worse"
    )
    reload_seconds: float = Field(2.0, gt=0, description="how often to look for a new current fit")
    gcat_url: str = Field(
        GCAT_URL, description="GCAT's tsv/ folder: launch/launch.tsv, tables/lv.tsv, tables/orgs.tsv"
    )
    gcat_max_bytes: int = Field(256 * 1024 * 1024, ge=1024, description="largest GCAT file downloaded")
    gcat_connect_timeout: float = Field(10.0, gt=0, description="seconds to connect to GCAT")
    gcat_read_timeout: float = Field(60.0, gt=0, description="seconds GCAT may stall mid-download")
    gcat_deadline_seconds: float = Field(
        600.0, gt=0, description="longest one GCAT file's download may take, start to end"
    )
    gcat_retries: int = Field(3, ge=0, le=10, description="retries on timeouts, broken transfers and 5xx")
    gcat_backoff_seconds: float = Field(1.0, ge=0, description="first retry delay (doubles each time)")
    refit_update: bool = Field(
        True, description="service refits (schedule, POST /v1/refit) update from GCAT first"
    )
    schedule_url: str = Field(
        SCHEDULE_URL, description="Launch Library 2's upcoming launches (The Space Devs)"
    )
    schedule_api_key: str | None = Field(
        None, description="a Launch Library 2 API key (raises the free tier's 15 requests an hour)"
    )
    schedule_refresh_seconds: float = Field(
        3600.0,
        ge=0,
        description="how often the service refreshes the schedule (0: never); each refresh costs "
        "up to schedule_max_pages requests, so hourly stays within the free tier",
    )
    schedule_max_pages: int = Field(4, ge=1, le=15, description="pages of 100 launches read per refresh")
    stale_after_days: int = Field(
        STALE_AFTER_DAYS,
        ge=0,
        description="forecasts warn when the data end this many days before the question",
    )

    @model_validator(mode="before")
    @classmethod
    def _state_under_var_dir(cls, values: Any) -> Any:
        if isinstance(values, dict):
            var_dir = Path(values.get("var_dir") or "var")
            values.setdefault("data_dir", var_dir / "data")
            values.setdefault("registry_dir", var_dir / "registry")
        return values

    def ensure_data(self) -> Path:
        """The data directory, seeded from the package's shipped data if it is empty."""
        from launchcast.model.record.datadir import seed

        seed(self.data_dir)
        return self.data_dir

    @property
    def ledger_url(self) -> str | None:
        """The ledger's database, or None with ``track_record`` off."""
        from launchcast.model.operations.ledger import default_url

        if not self.track_record:
            return None
        return self.database_url or default_url(self.var_dir)

    @property
    def base_url(self) -> str:
        """``public_url`` with a final slash, or this service's own address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/") + "/"

    @property
    def update_log(self) -> Path:
        """Every update attempt (beside the refit log: the service's state directory)."""
        return self.registry_dir / UPDATE_LOG

    def update_config(self, url: str | None = None, accept_large_change: bool = False) -> UpdateConfig:
        from launchcast.model.record.update import UpdateConfig

        return UpdateConfig(
            base_url=url or self.gcat_url,
            connect_timeout=self.gcat_connect_timeout,
            read_timeout=self.gcat_read_timeout,
            retries=self.gcat_retries,
            backoff_seconds=self.gcat_backoff_seconds,
            max_bytes=self.gcat_max_bytes,
            deadline_seconds=self.gcat_deadline_seconds,
            accept_large_change=accept_large_change,
        )

    def schedule_config(self, url: str | None = None) -> ScheduleConfig:
        from launchcast.model.record.ll2 import ScheduleConfig

        return ScheduleConfig(
            url=url or self.schedule_url,
            api_key=self.schedule_api_key,
            max_pages=self.schedule_max_pages,
            connect_timeout=self.gcat_connect_timeout,
            retries=self.gcat_retries,
            backoff_seconds=self.gcat_backoff_seconds,
        )

    def registry(self) -> Registry:
        from launchcast.model.operations.registry import Registry

        return Registry(self.registry_dir, keep=self.registry_keep)


def get_settings() -> Settings:
    return Settings()
