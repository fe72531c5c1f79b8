"""Operational defaults the model layer and the service's settings share.

This module imports nothing, so the settings (read by every CLI command, even
``--help``) can take their defaults from here without loading pandas or httpx.
Each is overridable by the ``LAUNCHCAST_`` setting named beside it.
"""

#: ``LAUNCHCAST_GCAT_URL``: GCAT's tsv/ folder (J. McDowell, https://planet4589.org/space/gcat/).
GCAT_URL = "https://planet4589.org/space/gcat/tsv/"

#: ``LAUNCHCAST_STALE_AFTER_DAYS``: older data gets a warning in every answer.
STALE_AFTER_DAYS = 45

#: The update attempt log, in the registry's directory (``var/registry/updates.jsonl``).
UPDATE_LOG = "updates.jsonl"

#: ``LAUNCHCAST_MAX_PATHS``' ceiling: the most Monte Carlo paths one request may ask for.
MAX_PATHS = 200_000

#: ``LAUNCHCAST_SCHEDULE_URL``: Launch Library 2's upcoming launches (The Space Devs,
#: https://thespacedevs.com/llapi; free tier: 15 requests an hour).
SCHEDULE_URL = "https://ll.thespacedevs.com/2.3.0/launches/upcoming/"

#: Years a time may name (a question's, an announced launch's window): from the first orbital
#: launch to a documented far future.  Outside them the answer says so, rather than a date
#: library overflowing (year 9999 plus a day, or year 1 minus an offset).
YEARS = (1957, 2200)
