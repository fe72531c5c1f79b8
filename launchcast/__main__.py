"""``python -m launchcast`` runs the command line, as the ``launchcast`` script does."""

from launchcast.service.cli import app

app()
