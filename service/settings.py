"""One settings object for the CLI and the service (environment prefix ``LAUNCHCAST_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from model.registry import Registry

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAUNCHCAST_", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / "data", description="launches.csv, vehicles.csv, …")
    registry_dir: Path = Field(
        REPO_ROOT / "var" / "registry", description="model registry: versions and 'current'"
    )
    registry_keep: int = Field(5, ge=1, description="versions kept in the registry")
    host: str = Field("127.0.0.1", description="address the service binds to")
    port: int = Field(8000, ge=1, le=65535)
    max_paths: int = Field(200_000, ge=1000, description="largest Monte Carlo path count per request")
    max_body_bytes: int = Field(16_384, ge=256, description="largest accepted request body")
    admin_token: str | None = Field(None, description="bearer token for POST /v1/refit")
    refit_schedule: bool = Field(True, description="let the service run refits on a schedule")
    refit_model: str = Field("hierarchical", description="model the scheduled/HTTP refits fit")
    refit_cron: str = Field("0 3 * * 1", description="when (crontab, UTC): default Mondays 03:00")
    max_log_loss_increase: float = Field(
        0.05, ge=0, description="refuse to promote a refit whose recent log loss is this much worse"
    )
    reload_seconds: float = Field(2.0, gt=0, description="how often to look for a new current fit")

    def registry(self) -> Registry:
        return Registry(self.registry_dir, keep=self.registry_keep)


def get_settings() -> Settings:
    return Settings()
