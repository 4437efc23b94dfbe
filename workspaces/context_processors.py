from workspaces.models import Capability, Membership


def fee_center(request):
    """The account switcher: the user's memberships and the current account (from the URL)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(Membership.objects.filter(user=user).select_related("account").order_by("account__name"))
    match = getattr(request, "resolver_match", None)
    current_id = match.kwargs.get("account_id") if match else None
    current = next((m for m in memberships if m.account_id == current_id), None)
    return {
        "my_memberships": memberships,
        "current_membership": current,
        "current_account": current.account if current else None,
        "nav_can_view_billing": bool(current and current.can(Capability.VIEW_BILLING)),
        "nav_can_spend": bool(current and current.can(Capability.SPEND)),
    }
