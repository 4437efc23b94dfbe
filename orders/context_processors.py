"""The orders banners on an account's pages (for members who see billing): packages that ended without a
renewal (their workspaces are now billed pay-as-you-go; the banner offers to renew), and buying blocked
while workspaces are locked for arrears."""

from core.days import account_today
from orders import selectors
from workspaces.models import Capability, Membership


def package_banners(request):
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    account_id = match.kwargs.get("account_id") if match else None
    if account_id is None or user is None or not user.is_authenticated:
        return {}
    membership = Membership.objects.filter(user=user, account_id=account_id).select_related("account").first()
    if membership is None or not membership.can(Capability.VIEW_BILLING):
        return {}
    account = membership.account
    return {
        "orders_ended_packages": selectors.packages_ended_unrenewed(account=account, today=account_today(account)),
        "orders_buying_blocked": selectors.account_has_locked_workspaces(account=account),
    }
