"""/v1/model: what is served, how it was made, and where its data came from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from service.routes import deps
from service.state import Served

router = APIRouter(prefix="/v1", tags=["model"], responses=deps.ERRORS)

ATTRIBUTION = (
    "Launch data derived from Jonathan C. McDowell's General Catalog of Artificial Space "
    "Objects (GCAT), https://planet4589.org/space/gcat/ , © Jonathan C. McDowell, CC BY 4.0."
)


class ModelOut(BaseModel):
    model: str
    version: str
    fitted_at: str | None
    fit_seconds: float | None
    draws: int
    diagnostics: dict[str, Any]
    data_as_of: str
    data_hash: str
    n_launches: int | None
    config: dict[str, Any]
    packages: dict[str, str]
    attribution: str
    licence: str


@router.get("/model", response_model=ModelOut)
async def model(served: Annotated[Served, Depends(deps.served)]) -> ModelOut:
    fit = served.fit
    diagnostics = {k: v for k, v in fit.manifest.get("diagnostics", {"method": "closed-form",
                   "passed": True}).items() if k != "parameters"}  # fmt: skip
    return ModelOut(
        model=fit.model, version=fit.version, fitted_at=fit.manifest.get("fitted_at"),
        fit_seconds=fit.manifest.get("fit_seconds"), draws=fit.n_draws, diagnostics=diagnostics,
        data_as_of=fit.as_of, data_hash=str(fit.manifest.get("data_hash", "")),
        n_launches=fit.manifest.get("n_launches"), config=fit.config,
        packages=fit.manifest.get("packages", {}), attribution=ATTRIBUTION,
        licence="CC BY 4.0 (data); see data/README.md",
    )  # fmt: skip
