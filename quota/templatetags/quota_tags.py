from __future__ import annotations

from django import template
from django.db.models import Sum

from core import days
from quota.models import Bill, BillLine

register = template.Library()


@register.inclusion_tag("quota/_home_panel_content.html")
def quota_home_panel(account):
    """The home panel: the latest daily bill and this month's total so far."""
    last_bill = Bill.objects.for_account(account).order_by("-day").first()
    month_total = None
    if last_bill is not None:
        month_total = (
            Bill.objects.for_account(account)
            .filter(day__gte=last_bill.day.replace(day=1), day__lte=last_bill.day)
            .aggregate(total=Sum("total"))["total"]
        )
    return {"account": account, "last_bill": last_bill, "month_total": month_total or 0}


@register.inclusion_tag("quota/_workspace_month_usage.html")
def workspace_month_usage(account, workspace):
    """A workspace page's panel: this month's billed usage and amount per billing item (daily bills so far)."""
    today = days.account_today(account)
    rows = (
        BillLine.objects.filter(
            bill__account=account, bill__day__gte=days.month_start(today), bill__day__lte=today, workspace=workspace
        )
        .values("billing_item__code", "billing_item__name", "billing_item__unit_label", "billing_item__sort_order")
        .annotate(usage=Sum("usage"), overage=Sum("overage"), amount=Sum("amount"))
        .order_by("billing_item__sort_order", "billing_item__code")
    )
    return {"account": account, "workspace": workspace, "month": days.month_start(today), "rows": list(rows)}
