"""launchcast's service side: settings, CLI and the FastAPI app. Imports ``model``; never PyMC."""
