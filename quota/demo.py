"""The demo's usage and nights (`manage.py seed_demo`). Each day's usage is posted just after midnight and the
night that bills it runs at 01:00 the next morning, through the same services as the metering API and the
Celery night, so bills and settlements carry the night they belong to.

- `payg`: three days of last month, before any package: Workspaces A and B pay as you go from cash.
- `before_package`: every day from the fourth after the first up to the purchase, still pay as you go.
- `week`: the purchase day itself (bought that morning, the package starts the next day: still pay as you go,
  billed at the night after the purchase), then the last 8 days, inside the package. Workspace A alone logs
  about 360,000,000 entries, traces about 42,000,000 and runs about 80 hosts a day, far over the Startup
  package's daily 40,000,000, 5,000,000 and 20: overage every day. The package is too small for A; the package
  advisor shows that Growth Development (A and B fit its capacities) would have been cheaper, and by how much.
The database stamps bills, settlements and usage with SQL `now()`; the demo sets those columns to the story's
moment afterwards (demo only).
"""

from __future__ import annotations

from datetime import timedelta

from quota import ingest, night
from quota.models import Bill, BillSettlement, UsageRecord

# per day offset (1 = yesterday): (log A, log B, apm A, apm B, datakit A, datakit B, sms B)
WEEK = {  # A alone is over the package's 40M of log, 5M of APM and 20 hosts every day; A and B fit Growth's
    8: (355_000_000, 28_000_000, 41_000_000, 5_000_000, 78, 15, 30),
    7: (362_000_000, 30_000_000, 42_000_000, 4_500_000, 80, 15, 40),
    6: (348_000_000, 32_000_000, 40_000_000, 5_000_000, 79, 14, 55),
    5: (360_000_000, 29_000_000, 43_000_000, 4_000_000, 81, 15, 10),
    4: (365_000_000, 31_000_000, 42_500_000, 5_000_000, 82, 16, 120),
    3: (358_000_000, 30_000_000, 41_500_000, 4_800_000, 80, 15, 30),
    2: (352_000_000, 29_500_000, 40_500_000, 4_600_000, 79, 15, 25),
    1: (361_000_000, 30_500_000, 42_000_000, 5_000_000, 81, 16, 80),
}


def _like_the_week(offset: int) -> tuple[int, ...]:
    """Before the package, A and B use the product as they do in the package's first week."""
    return WEEK[1 + offset % len(WEEK)]


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


def before_package(context: dict) -> None:
    day, purchase_day = context["first_day"] + timedelta(days=4), context["purchase_day"]
    while day < purchase_day:
        _day(context, day, _like_the_week((purchase_day - day).days))
        day += timedelta(days=1)


def week(context: dict) -> None:
    purchase_day = context["purchase_day"]
    _day(context, purchase_day, _like_the_week(0))
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
