from forecasts.selectors import open_episodes
from workspaces.context_processors import billing_membership

BANNER_SHOWN = 1
BANNER_COUNTED = 10
# The pages where a warning bears on what the reader is doing: the overview, usage and bills, packages and the
# wallet. Elsewhere (people, webhooks, a payment's receipt...) it would only repeat itself, and the forecast
# page lists every open warning itself.
BANNER_PAGES = frozenset({
    "account-home", "quota-usage", "quota-bills", "quota-bill-detail", "orders-packages",
    "payments-wallet", "payments-recharge", "orders-buy",
})


def warning_banners(request):
    """The open warnings of the current account (members who may see billing), until they clear: the newest
    BANNER_SHOWN in the banner on the BANNER_PAGES, and how many more are open (counted up to BANNER_COUNTED)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in BANNER_PAGES:
        return {}
    membership = billing_membership(request)
    if membership is None:
        return {}
    warnings = list(open_episodes(account=membership.account)[:BANNER_COUNTED])
    more = len(warnings) - BANNER_SHOWN
    return {"forecast_warnings": warnings[:BANNER_SHOWN], "forecast_warnings_more": max(more, 0),
            "forecast_warnings_more_plus": len(warnings) == BANNER_COUNTED}
