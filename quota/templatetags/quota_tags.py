from __future__ import annotations

from django import template
from django.db.models import Sum

from quota.models import Bill

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
