"""The launch record: GCAT's formats, taking launches in, the data directory, names.

Reads and writes files and talks to GCAT over HTTP; knows nothing of models.
Imports only ``launchcast.model.errors``, ``.storage`` and ``.defaults`` beside itself.
"""

from launchcast.model.record.assistance import Assistance
from launchcast.model.record.catalogue import Catalogue, LaunchQuery, VehicleRecord
from launchcast.model.record.history import LaunchHistory, decimal_year, load_history, parse_time
from launchcast.model.record.ingest import IngestReport, add_launch, ingest_gcat
from launchcast.model.record.names import Names
from launchcast.model.record.operators import Operators
from launchcast.model.record.update import UpdateConfig, attempt_update

__all__ = [
    "Assistance",
    "Catalogue",
    "IngestReport",
    "LaunchHistory",
    "LaunchQuery",
    "Names",
    "Operators",
    "UpdateConfig",
    "VehicleRecord",
    "add_launch",
    "attempt_update",
    "decimal_year",
    "ingest_gcat",
    "load_history",
    "parse_time",
]
