"""What every account page's layout needs: the account switcher, and the one lookup of the caller's
membership of the account in the URL that the apps' banner context processors share."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from workspaces.models import Capability, Membership
from workspaces.navigation import navigation

_MEMBERSHIPS = "_fee_center_memberships"


def _memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's memberships, read once per request."""
    cached = getattr(request, _MEMBERSHIPS, None)
    if cached is None:
        user = getattr(request, "user", None)
        cached = (
            list(Membership.objects.filter(user=user).select_related("account").order_by("account__name"))
            if user is not None and user.is_authenticated else []
        )
        setattr(request, _MEMBERSHIPS, cached)
    return cached


def current_membership(request: HttpRequest) -> Membership | None:
    """The caller's membership of the account named by the URL's `account_id`, if any."""
    match = getattr(request, "resolver_match", None)
    current_id = match.kwargs.get("account_id") if match else None
    if current_id is None:
        return None
    return next((m for m in _memberships(request) if m.account_id == current_id), None)


def billing_membership(request: HttpRequest) -> Membership | None:
    """The current membership when its role may see billing (banners about money are for those only)."""
    membership = current_membership(request)
    return membership if membership is not None and membership.can(Capability.VIEW_BILLING) else None


def fee_center(request: HttpRequest) -> dict[str, Any]:
    """The account switcher: the user's memberships and the current account (from the URL)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = current_membership(request)
    match = getattr(request, "resolver_match", None)
    return {
        **navigation(current, match.url_name if match else None),
        "my_memberships": _memberships(request),
        "current_membership": current,
        "current_account": current.account if current else None,
        "nav_can_view_billing": bool(current and current.can(Capability.VIEW_BILLING)),
        "nav_can_spend": bool(current and current.can(Capability.SPEND)),
    }
