"""The statements part of `seed_demo` (add "statements.demo" to DEMO_STEPS after "quota.demo"): a few days of
last month's usage billed through the real night, last month's bill (final once the 3rd has passed) and this
month's open bill."""

from __future__ import annotations

from datetime import timedelta

from core.days import account_today, month_start, previous_month
from plans.models import BillingItem
from quota import services as quota_services
from quota.models import Bill, UsageRecord
from statements.models import MonthlyBill
from statements.monthly_bills import finalisation_day, monthly_bill_finalize, monthly_bill_refresh
from workspaces.models import WorkspacePlan


def seed(context: dict) -> None:
    """Nothing inside the seeding transaction: the nights take their own locks (after_commit)."""


def after_commit(context: dict) -> None:
    account = context.get("account")
    if account is None:
        return
    today = account_today(account)
    last_month = previous_month(month_start(today))
    if not Bill.objects.filter(account=account, day__gte=last_month, day__lt=month_start(today)).exists():
        items = {item.code: item for item in BillingItem.objects.filter(code__in=["log", "datakit", "apm"])}
        workspaces = list(account.workspaces.filter(plan=WorkspacePlan.COMMERCIAL).order_by("pk"))
        for offset in range(3):
            day = last_month + timedelta(days=10 + offset)
            for position, ws in enumerate(workspaces, start=1):
                for code, quantity in (("log", 60_000_000 * position), ("datakit", 25), ("apm", 4_000_000)):
                    if code in items:
                        UsageRecord.objects.update_or_create(
                            workspace=ws, billing_item=items[code], day=day,
                            defaults={"account_id": account.pk, "quantity": quantity},
                        )
            quota_services.night_run_chunk(day=day, account_ids=[account.pk])
    if not MonthlyBill.objects.filter(account=account, month=last_month, status="final").exists():
        if today >= finalisation_day(last_month):
            monthly_bill_finalize(account=account, month=last_month)
        else:
            monthly_bill_refresh(account=account, month=last_month)
    monthly_bill_refresh(account=account, month=today)
    context.setdefault("logins", []).append(
        f"  monthly bills: http://127.0.0.1:8000/a/{account.pk}/bills/monthly/ (invoices: .../invoices/)"
    )
