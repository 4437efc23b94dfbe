"""The page's one line per candidate: days over capacity, leaving out uncovered items and items never over."""

from datetime import date
from decimal import Decimal

from advisor.presenters import days_over
from advisor.replay import Candidate, DayItem, ItemSummary
from plans.models import BillingItem


def test_days_over_counts_days_once_and_leaves_out_uncovered_items_and_items_never_over():
    log, apm, pv, sms = (BillingItem(pk=pk, code=code, name=code, pricing_unit=1, unit_label="")
                         for pk, code in ((1, "log"), (2, "apm"), (3, "pv"), (4, "sms")))
    candidate = Candidate(key="p", label="P", kind="plan", plan=None, traffic=[], yearly_price=Decimal(0))
    candidate.items = [ItemSummary(item=log, capacity=10, days_exceeded=2),
                       ItemSummary(item=apm, capacity=10, days_exceeded=1),
                       ItemSummary(item=pv, capacity=10, days_exceeded=0),
                       ItemSummary(item=sms, capacity=0, days_exceeded=3)]
    candidate.daily = {
        date(2026, 3, 1): {1: DayItem(overage=5), 2: DayItem(overage=1), 4: DayItem(overage=9)},
        date(2026, 3, 2): {1: DayItem(overage=5), 4: DayItem(overage=9)},
        date(2026, 3, 3): {3: DayItem(overage=0), 4: DayItem(overage=9)},
    }
    summary = days_over(candidate)
    assert summary["days"] == 2
    assert [s.item.code for s in summary["items"]] == ["log", "apm"]
