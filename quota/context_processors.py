from quota.selectors import arrears_state
from workspaces.context_processors import billing_membership


def arrears(request):
    """Arrears countdown and lock banners for the current account (members who may see billing)."""
    membership = billing_membership(request)
    if membership is None:
        return {}
    return {"quota_arrears": arrears_state(account=membership.account)}
