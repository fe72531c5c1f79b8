"""The questions people ask, answered from a fit's draws by Monte Carlo, anchored to ``now``.

Next launch, campaign, by date, by month, versus, how many launches, scenarios and
why a forecast is what it is.  Each takes the question's time as an argument and
never reads the clock.  Imports the statistics and the record, never operations.

Its modules are imported by name (``from launchcast.model.questions.<module> import …``): the
package re-exports nothing, so importing one module loads only what that module needs.
"""
