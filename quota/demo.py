"""The demo's usage and nights (`manage.py seed_demo`). Each day's usage is posted just after midnight and the
night that bills it runs at 01:00 the next morning, through the same services as the metering API and the
Celery night, so bills and settlements carry the night they belong to.

- `payg`: three days of last month, before any package: Workspaces A and B pay as you go from cash.
- `week`: the last 7 days, inside the package (some days over its daily capacity: overage).
The database stamps bills, settlements and usage with SQL `now()`; the demo sets those columns to the story's
moment afterwards (demo only).
"""

from __future__ import annotations

from datetime import timedelta

from quota import ingest, night
from quota.models import Bill, BillSettlement, UsageRecord

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
# pay-as-you-go days: (log A, log B, apm A, apm B, datakit A, datakit B, sms B)
PAYG = (6_000_000, 9_000_000, 1_000_000, 500_000, 5, 4, 20)


def _records(context: dict, day, quantities) -> list[dict]:
    a, b = context["workspaces"]["Workspace A"], context["workspaces"]["Workspace B"]
    log_a, log_b, apm_a, apm_b, dk_a, dk_b, sms_b = quantities
    return [
        {"workspace_id": ws.pk, "item": item, "day": day.isoformat(), "quantity": quantity}
        for ws, item, quantity in (
            (a, "log", log_a), (b, "log", log_b), (a, "apm", apm_a), (b, "apm", apm_b),
            (a, "datakit", dk_a), (b, "datakit", dk_b), (b, "sms", sms_b),
        )
    ]


def _day(context: dict, day, quantities) -> None:
    """Usage posted at 00:20 the next morning, the night at 01:00 (both in the account's time zone)."""
    clock, account = context["clock"], context["account"]
    morning = day + timedelta(days=1)
    with clock.at(morning, 0, 20) as posted:
        ingest.usage_ingest(records=_records(context, day, quantities))
    UsageRecord.objects.filter(account_id=account.pk, day=day).update(updated_at=posted)
    with clock.at(morning, 1) as settled:
        night.night_run(day=day, account_ids=[account.pk])
    Bill.objects.filter(account=account, day=day).update(created_at=settled, updated_at=settled)
    BillSettlement.objects.filter(bill__account=account, bill__day=day).update(created_at=settled)


def payg(context: dict) -> None:
    for offset in (1, 2, 3):
        _day(context, context["first_day"] + timedelta(days=offset), PAYG)


def week(context: dict) -> None:
    for offset in sorted(WEEK, reverse=True):
        _day(context, context["clock"].day(offset), WEEK[offset])


def summary(context: dict) -> list[str]:
    lines = []
    for account in context.get("summary_accounts", []):
        bills = list(Bill.objects.filter(account=account).order_by("day").values_list("day", "total"))
        if bills:
            lines.append(f"Daily bills of {account.name}: {len(bills)} from {bills[0][0]} to {bills[-1][0]}, "
                         f"last {bills[-1][1]:,.2f}")
    return lines
