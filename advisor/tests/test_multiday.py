"""The multi-day form of the night's allocation (quota.engine.allocation_select(days=...)), which the advisor
replays its window with: one pass over a set of days yields, row for row, what the one-day form yields for each
day, with each row's storage policy the one in force on its own day."""

from datetime import date, timedelta

import pytest
from django.db import connection

from advisor.replay import HYPOTHETICAL_PACKAGES
from quota import engine
from quota.tests import factories as f
from tests.factories import WorkspaceFactory

DAYS = [date(2026, 3, 11) + timedelta(days=i) for i in range(5)]
FIGURES_DAY = date(2026, 3, 31)


def _rows(sql: str, params: dict) -> dict[tuple, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {
        (r["day"], r["workspace_id"], r["billing_item_id"], r["package_id"]): (
            r["policy_id"], r["factor"], r["converted"], r["cbp"], r["cbt"], r["overage"], r["unit_price"],
            r["amount"],
        )
        for r in rows
    }


@pytest.mark.django_db
def test_a_set_of_days_in_one_pass_equals_each_day_alone(account):
    a, b, c = (WorkspaceFactory(account=account) for _ in range(3))
    f.policy(b, "log", 30, valid_from=DAYS[2])  # factor 2 from the third day on
    for i, day in enumerate(DAYS):
        f.usage(a, "log", day, 30_000_000 + 1_000_003 * i)
        f.usage(b, "log", day, 9_000_000 + 700_001 * i)
        f.usage(c, "log", day, 5_000_000)
        f.usage(a, "datakit", day, 12 + i)
        f.usage(b, "datakit", day, 9)
    log, datakit = f.item("log").pk, f.item("datakit").pk
    # one hypothetical package holding b then a (log: plan 40,000,000 + traffic 10,000,000; DataKit 20),
    # c left uncovered (its pay-as-you-go slot)
    params = {
        "accounts": [account.pk], "figures_day": FIGURES_DAY, "catalogue_day": FIGURES_DAY,
        "slot_workspaces": [b.pk, a.pk, c.pk], "slot_packages": [1, 1, None], "slot_positions": [1, 2, None],
        "cap_packages": [1, 1], "cap_items": [log, datakit], "cap_quantities": [40_000_000, 20],
        "traffic_packages": [1], "traffic_items": [log], "traffic_quantities": [10_000_000],
    }
    multi = _rows(
        engine.allocation_select(days="%(days)s::date[]", packages=HYPOTHETICAL_PACKAGES,
                                 figures_day="%(figures_day)s"),
        {**params, "days": DAYS},
    )
    one_day = engine.allocation_select(packages=HYPOTHETICAL_PACKAGES, figures_day="%(figures_day)s")
    single: dict[tuple, tuple] = {}
    for day in DAYS:
        single.update(_rows("SELECT %(day)s::date AS day, x.* FROM (" + one_day + ") x", {**params, "day": day}))
    assert len(multi) == 5 * 5  # a, b: 2 items; c: log
    assert multi == single
    # the days differ as they should: b's log policy changes on the third day, the traffic covers some days
    b_log = [multi[(day, b.pk, log, 1)] for day in DAYS]
    assert [row[1] for row in b_log] == [1, 1, 2, 2, 2]
    assert any(multi[(day, a.pk, log, 1)][4] > 0 for day in DAYS)


def test_a_set_of_days_needs_a_day_independent_package_source():
    with pytest.raises(ValueError, match="days"):
        engine.allocation_select(days="%(days)s::date[]")
