from django import template

from core.days import account_today, month_start, previous_month
from statements import selectors
from statements.models import MonthlyBill

register = template.Library()


@register.simple_tag
def statements_home_summary(account):
    """This month's and last month's bills and the invoiceable amount, for the account home (3 queries)."""
    this_month = month_start(account_today(account))
    bills = {b.month: b for b in MonthlyBill.objects.for_account(account).filter(
        month__in=[this_month, previous_month(this_month)])}
    return {
        "current": bills.get(this_month),
        "last": bills.get(previous_month(this_month)),
        "invoiceable": selectors.invoiceable_summary(account=account).invoiceable,
    }
