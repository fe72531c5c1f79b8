"""The questions people ask, answered from a fit's draws by Monte Carlo, anchored to ``now``.

Next launch, campaign, by date, by month, versus, how many launches, scenarios and
why a forecast is what it is.  Each takes the question's time as an argument and
never reads the clock.  Imports the statistics and the record, never operations.
"""

from launchcast.model.questions.answers import (
    ByDateForecast,
    ByMonthForecast,
    CampaignForecast,
    NextLaunchForecast,
    VersusForecast,
)
from launchcast.model.questions.counts import LaunchCountForecast, launches
from launchcast.model.questions.explain import Explanation, explain
from launchcast.model.questions.forecast import by_date, by_month, campaign, next_launch, versus
from launchcast.model.questions.scenario import after_outcome, foreign_help

__all__ = [
    "ByDateForecast",
    "ByMonthForecast",
    "CampaignForecast",
    "Explanation",
    "LaunchCountForecast",
    "NextLaunchForecast",
    "VersusForecast",
    "after_outcome",
    "by_date",
    "by_month",
    "campaign",
    "explain",
    "foreign_help",
    "launches",
    "next_launch",
    "versus",
]
