"""The statistics: models of launch success and launch rates, their fits, the gate, saved draws.

A model turns a ``LaunchHistory`` into a ``Fit`` (posterior draws); PyMC runs only
inside ``hierarchical``'s fit and the gate, and everything else reads draws with numpy.
Imports the launch record (``model.record``), never the questions or operations.

Its modules are imported by name (``from launchcast.model.stats.<module> import …``): the
package re-exports nothing, so importing one module loads only what that module needs.
"""
