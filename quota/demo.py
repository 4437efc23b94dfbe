"""The demo's week: usage for the last 7 days (account time zone) of Workspace A and B, with some days over
the package's daily capacity (overage), then those 7 nights run through the same service as the Celery night."""

from __future__ import annotations

from datetime import timedelta

from core.days import account_today
from quota import ingest, night
from workspaces.models import Account

# per day offset (1 = yesterday): (log A, log B, apm A, apm B, datakit A, datakit B, sms B)
WEEK = {
    7: (20_000_000, 12_000_000, 2_000_000, 1_000_000, 8, 6, 40),
    6: (25_000_000, 18_000_000, 3_000_000, 1_500_000, 8, 6, 55),   # log 43M > 40M: overage on B
    5: (18_000_000, 10_000_000, 2_500_000, 1_000_000, 9, 6, 10),
    4: (30_000_000, 25_000_000, 4_000_000, 2_500_000, 12, 10, 120),  # log and APM over capacity
    3: (22_000_000, 14_000_000, 2_000_000, 1_200_000, 8, 7, 30),
    2: (19_000_000, 11_000_000, 1_800_000, 900_000, 8, 6, 25),
    1: (35_000_000, 20_000_000, 3_500_000, 2_000_000, 14, 9, 80),  # overage on B again
}


def _records(context: dict) -> list[dict]:
    account = context["account"]
    a, b = context["workspaces"]["Workspace A"], context["workspaces"]["Workspace B"]
    today = account_today(account)
    records = []
    for offset, (log_a, log_b, apm_a, apm_b, dk_a, dk_b, sms_b) in WEEK.items():
        day = (today - timedelta(days=offset)).isoformat()
        for ws, item, quantity in (
            (a, "log", log_a), (b, "log", log_b), (a, "apm", apm_a), (b, "apm", apm_b),
            (a, "datakit", dk_a), (b, "datakit", dk_b), (b, "sms", sms_b),
        ):
            records.append({"workspace_id": ws.pk, "item": item, "day": day, "quantity": quantity})
    return records


def seed(context: dict) -> None:
    account = context["account"]
    # The demo account "existed" for the whole week (usage before an account exists is refused).
    earliest = account.created_at - timedelta(days=30)
    Account.objects.filter(pk=account.pk).update(created_at=earliest)
    account.created_at = earliest
    count = ingest.usage_ingest(records=_records(context))
    context.setdefault("logins", []).append(f"  usage: {count} records over the last 7 days (Workspace A and B)")


def after_commit(context: dict) -> None:
    account = context["account"]
    today = account_today(account)
    lines = []
    for offset in sorted(WEEK, reverse=True):
        day = today - timedelta(days=offset)
        result = night.night_run(day=day, account_ids=[account.pk])
        bill = account.bills.filter(day=day).first()
        lines.append(f"    {day}: bill {bill.total if bill else '0.00'} (charged now {result.charged})")
    context.setdefault("logins", []).extend(["  daily bills of the week:", *lines])
