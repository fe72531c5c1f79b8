"""The launch record: GCAT's formats, taking launches in, the data directory, names.

Reads and writes files and talks to GCAT over HTTP; knows nothing of models.
Imports only ``launchcast.model.errors``, ``.storage`` and ``.defaults`` beside itself.

Its modules are imported by name (``from launchcast.model.record.<module> import …``): the
package re-exports nothing, so importing one module loads only what that module needs.
"""
