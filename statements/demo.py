"""The demo's monthly bills (`manage.py seed_demo`): the nights already refresh the month of each day they
bill; once last month's finalisation day (the 3rd) has come, last month's bill is made final on that day at
02:00, after every night that could touch it. `summary` lists the monthly bills from the data."""

from __future__ import annotations

from core.days import month_start, previous_month
from statements.models import MonthlyBill
from statements.monthly_bills import finalisation_day, monthly_bill_finalize, monthly_bill_refresh


def seed(context: dict) -> None:
    clock, account = context["clock"], context["account"]
    this_month = month_start(clock.today)
    last_month = previous_month(this_month)
    if clock.today >= finalisation_day(last_month):
        with clock.at(finalisation_day(last_month), 2):
            monthly_bill_finalize(account=account, month=last_month)
    with clock.at(clock.today, 1, 30):
        monthly_bill_refresh(account=account, month=this_month)


def summary(context: dict) -> list[str]:
    lines = []
    for account in context.get("summary_accounts", []):
        for bill in MonthlyBill.objects.filter(account=account).order_by("month"):
            state = "final" if bill.is_final else "open"
            lines.append(f"Monthly bill {account.name} {bill.month:%Y-%m}: {state}")
    return lines
