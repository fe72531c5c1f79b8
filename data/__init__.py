"""The launch data shipped with launchcast (see README.md here); read via ``importlib.resources``."""
