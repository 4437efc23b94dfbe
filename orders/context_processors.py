"""The orders banners on an account's pages (for members who see billing): packages that ended without a
renewal (their workspaces are now billed pay-as-you-go; the banner offers to renew), and buying blocked
while workspaces are locked for arrears."""

from core.days import account_today
from orders import selectors
from workspaces.context_processors import billing_membership


def package_banners(request):
    membership = billing_membership(request)
    if membership is None:
        return {}
    account = membership.account
    return {
        "orders_ended_packages": selectors.packages_ended_unrenewed(account=account, today=account_today(account)),
        "orders_buying_blocked": selectors.account_has_locked_workspaces(account=account),
    }
