from forecasts.selectors import open_episodes
from workspaces.context_processors import billing_membership


def warning_banners(request):
    """The open warnings of the current account (members who may see billing), until they clear."""
    membership = billing_membership(request)
    if membership is None:
        return {}
    return {"forecast_warnings": list(open_episodes(account=membership.account)[:5])}
