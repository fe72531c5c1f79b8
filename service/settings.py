"""One settings object for the CLI and the service (environment prefix ``LAUNCHCAST_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAUNCHCAST_", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / "data", description="launches.csv, vehicles.csv, …")
    fit_dir: Path = Field(
        REPO_ROOT / "var" / "fit", description="saved fit the service answers from"
    )
    host: str = Field("127.0.0.1", description="address the service binds to")
    port: int = Field(8000, ge=1, le=65535)
    max_paths: int = Field(200_000, ge=1000, description="largest Monte Carlo path count per request")
    max_body_bytes: int = Field(16_384, ge=256, description="largest accepted request body")
    admin_token: str | None = Field(None, description="bearer token for admin endpoints")


def get_settings() -> Settings:
    return Settings()
