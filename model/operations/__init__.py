"""Operations: the registry of saved fits, the one refit-and-promote path, the forecast ledger.

The only layer that runs the others in sequence (update → fit → gate → publish →
promote; standing forecasts scored as launches arrive).  Imports every layer below.
"""

from launchcast.model.operations.ledger import Ledger, TrackRecord
from launchcast.model.operations.refit import RefitPolicy, refit
from launchcast.model.operations.registry import Registry

__all__ = ["Ledger", "RefitPolicy", "Registry", "TrackRecord", "refit"]
