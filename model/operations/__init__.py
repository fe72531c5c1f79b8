"""Operations: the registry of saved fits, the one refit-and-promote path, the forecast ledger.

The only layer that runs the others in sequence (update → fit → gate → publish →
promote; standing forecasts scored as launches arrive).  Imports every layer below.

Its modules are imported by name (``from launchcast.model.operations.<module> import …``): the
package re-exports nothing, so importing one module loads only what that module needs.
"""
