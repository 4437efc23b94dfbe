from forecasts.selectors import open_episodes
from workspaces.context_processors import billing_membership

BANNER_SHOWN = 1
BANNER_COUNTED = 10


def warning_banners(request):
    """The open warnings of the current account (members who may see billing), until they clear: the newest
    BANNER_SHOWN in the banner on every page, and how many more are open (counted up to BANNER_COUNTED)."""
    membership = billing_membership(request)
    if membership is None:
        return {}
    warnings = list(open_episodes(account=membership.account)[:BANNER_COUNTED])
    more = len(warnings) - BANNER_SHOWN
    return {"forecast_warnings": warnings[:BANNER_SHOWN], "forecast_warnings_more": max(more, 0),
            "forecast_warnings_more_plus": len(warnings) == BANNER_COUNTED}
