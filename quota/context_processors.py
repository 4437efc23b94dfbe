from quota.selectors import arrears_state
from workspaces.models import Capability, Membership


def arrears(request):
    """Arrears countdown and lock banners for the current account (members who may see billing)."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    account_id = match.kwargs.get("account_id") if match else None
    if account_id is None or user is None or not user.is_authenticated:
        return {}
    membership = Membership.objects.filter(user=user, account_id=account_id).select_related("account").first()
    if membership is None or not membership.can(Capability.VIEW_BILLING):
        return {}
    return {"quota_arrears": arrears_state(account=membership.account)}
