"""The advisor's replay: equivalence with the night (dry run), the traffic search, the short-window warning."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import translation

from advisor.replay import advise, best_traffic
from plans.selectors import figures_on, traffic_package_list
from plans.tests.factories import traffic_version
from quota import engine
from quota.night import night_run_chunk
from quota.tests import factories as f
from tests.factories import WorkspaceFactory

NOW = datetime(2026, 3, 31, 4, tzinfo=UTC)  # 2026-03-31 noon in Shanghai: yesterday is 2026-03-30
TODAY = date(2026, 3, 31)
WINDOW = [date(2026, 3, 11) + timedelta(days=i) for i in range(20)]


def _usage(workspaces):
    """20 days: log above the Startup plan's 40,000,000 most days, DataKit and APM around their capacities."""
    a, b, c = workspaces
    for i, day in enumerate(WINDOW):
        f.usage(a, "log", day, 30_000_000 + 1_234_567 * i)
        f.usage(b, "log", day, 25_000_000 + 777_777 * (i % 7))
        f.usage(c, "log", day, 3_333_333)
        f.usage(a, "datakit", day, 12 + i % 5)
        f.usage(b, "datakit", day, 9)
        f.usage(c, "apm", day, 4_000_001 + 100_003 * i)
        f.usage(b, "apm", day, 600_007 * (i % 3))


@pytest.mark.django_db
def test_replayed_candidate_equals_a_dry_run_night_with_that_package_to_the_cent(account):
    traffic_version("log", date(2026, 1, 1), tiers=[(10_000_000, "40")])  # a discount makes traffic worth it
    with time_machine.travel(NOW, tick=False):
        workspaces = [WorkspaceFactory(account=account) for _ in range(3)]
        f.policy(workspaces[1], "log", 30)  # factor 2
        _usage(workspaces)
        order = [workspaces[1], workspaces[0], workspaces[2]]
        advice = advise(account=account, days=20, workspaces=order)
        candidate = next(c for c in advice.candidates if c.key == "plan-startup-traffic")
        [(tp, capacity)] = candidate.traffic
        assert (tp.billing_item.code, capacity) == ("log", 57_000_000)

        # the same package, really in place, sold today; the night's dry run of each day of the window
        pkg = f.package(account, order, plan_code="startup", starts_on=WINDOW[0], sold_on=TODAY)
        f.add_traffic(pkg, "log", capacity, valid_from=WINDOW[0])
        for day in WINDOW:
            night = night_run_chunk(day=day, account_ids=[account.pk], dry_run=True)
            replayed = candidate.daily[day]
            assert sum(di.amount for di in replayed.values()) == night.outcomes[0].total
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT billing_item_id, sum(overage), sum(amount) FROM (" + engine.ALLOCATION_SELECT
                    + ") a GROUP BY billing_item_id", {"day": day, "accounts": [account.pk]},
                )
                lines = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
            assert {k: (v.overage, v.amount) for k, v in replayed.items()} == lines


@pytest.mark.django_db
def test_candidates_are_ranked_and_projected_over_a_year(account):
    with time_machine.travel(NOW, tick=False):
        workspaces = [WorkspaceFactory(account=account) for _ in range(3)]
        _usage(workspaces)
        advice = advise(account=account, days=20, workspaces=workspaces)
    totals = [c.total for c in advice.candidates]
    assert totals == sorted(totals)
    payg = advice.payg
    assert payg.yearly_price == Decimal("0.00")
    assert payg.projected_overage == (payg.window_overage * 365 / Decimal(20)).quantize(Decimal("0.01"))
    startup = next(c for c in advice.candidates if c.key == "plan-startup")
    assert startup.yearly_price == Decimal("42000.00")
    assert startup.saving_vs_payg == payg.total - startup.total
    log = next(s for s in startup.items if s.item.code == "log")
    assert (log.capacity, log.days_exceeded) == (40_000_000, 20)
    assert advice.window_days == 20
    assert advice.too_short is False


@pytest.mark.django_db
def test_window_shorter_than_14_days_of_usage_is_flagged(account):
    with time_machine.travel(NOW, tick=False):
        ws = WorkspaceFactory(account=account)
        for day in WINDOW[-5:]:
            f.usage(ws, "log", day, 1_000_000)
        advice = advise(account=account, days=90, workspaces=[ws])
    assert (advice.usage_days, advice.too_short) == (5, True)


@pytest.mark.django_db
def test_days_before_a_workspace_became_commercial_are_left_out(account):
    with time_machine.travel(NOW, tick=False):
        ws = WorkspaceFactory(account=account, commercial_since=datetime(2026, 3, 25, 2, tzinfo=UTC))
        for day in WINDOW:
            f.usage(ws, "datakit", day, 1)
        advice = advise(account=account, days=90, workspaces=[ws])
    assert (advice.first_day, advice.window_days, advice.usage_days) == (date(2026, 3, 25), 6, 6)
    assert advice.payg.window_overage == Decimal("18.00")


@pytest.mark.django_db
def test_traffic_search_picks_the_cheapest_multiple_at_least_the_minimum():
    traffic_version("datakit", date(2026, 1, 1), tiers=[(30, "50")])
    with time_machine.travel(NOW, tick=False):
        tp = next(t for t in traffic_package_list(day=TODAY) if t.billing_item.code == "datakit")
        figures = figures_on(TODAY)
        # 10 hosts over every day: below the minimum of 20, the discount starts at 30 hosts
        assert best_traffic(tp, [10] * 30, Decimal("3"), 1, 30, figures) == 0
        # 40 hosts over every day: 40 hosts at half price beat pay-as-you-go
        assert best_traffic(tp, [40] * 30, Decimal("3"), 1, 30, figures) == 40


@pytest.mark.django_db
def test_a_candidate_equal_to_the_current_package_is_shown_once_as_the_current_one(account):
    """The tenant holds a Startup package over the picked workspaces: the Startup candidate would be the same
    package at the same price with the same overage, so it is one row, the current package named by its plan."""
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        workspaces = [WorkspaceFactory(account=account) for _ in range(3)]
        _usage(workspaces)
        f.package(account, workspaces, plan_code="startup", starts_on=WINDOW[0], sold_on=WINDOW[0])
        advice = advise(account=account, days=20, workspaces=workspaces)
    keys = [c.key for c in advice.candidates]
    assert "current" in keys and "plan-startup" not in keys and "plan-growth" in keys
    assert advice.current.label == "Your current package (Startup Acceleration)"
    assert advice.current.saving_vs_current == Decimal("0.00")
    assert len({(c.label, c.total) for c in advice.candidates}) == len(advice.candidates)
