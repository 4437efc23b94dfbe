import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core import days
from forecasts.runway import simulate_runway
from forecasts.selectors import month_forecast, percentile
from forecasts.tests.factories import bill
from payments.models import VoucherKind
from payments.tests.factories import expire_now, fund_cash, give_card, give_voucher

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 15, 10, 0, tzinfo=SHANGHAI)


def steady(account, payable="100.00"):
    for d in range(1, 15):
        bill(account, date(2026, 9, d), "100.00", payable)


def test_percentile_interpolates():
    values = [Decimal(v) for v in ("10", "20", "30", "40", "50")]
    assert (percentile(values, Decimal("0.1")), percentile(values, Decimal("0.5"))) == (Decimal("14.0"),
                                                                                          Decimal("30"))


@time_machine.travel(NOW, tick=False)
def test_constant_charge_and_cash_give_ten_days_of_runway(account):
    steady(account)
    fund_cash(account, "1000.00")
    fc = month_forecast(account=account)
    assert (fc.month_to_date, fc.expected, fc.low, fc.high) == (Decimal("1400.00"), Decimal("3000.00"),
                                                                 Decimal("3000.00"), Decimal("3000.00"))
    assert (fc.remaining_days, fc.window_days, fc.daily_mean) == (16, 14, Decimal("100.00"))
    assert (fc.runway.days, fc.runway.arrears_day) == (10, date(2026, 9, 25))


@time_machine.travel(NOW, tick=False)
def test_vouchers_daily_bills_may_not_use_are_not_counted(account):
    steady(account, payable="0.00")  # SMS only: vouchers never pay it
    fund_cash(account, "1000.00")
    give_voucher(account, "500.00")
    assert month_forecast(account=account).runway.days == 10


@time_machine.travel(NOW, tick=False)
def test_an_expired_voucher_is_not_counted_and_a_later_one_pays_from_its_first_night(account):
    steady(account)
    fund_cash(account, "1000.00")
    expire_now(give_voucher(account, "500.00"))
    assert month_forecast(account=account).runway.days == 10
    give_voucher(account, "500.00", start_days=1)  # valid from tomorrow: the nights from then on use it first
    assert month_forecast(account=account).runway.days == 15


@time_machine.travel(NOW, tick=False)
def test_usable_vouchers_and_cards_extend_the_runway_in_settlement_order(account):
    steady(account, payable="60.00")
    fund_cash(account, "100.00")
    give_voucher(account, "600.00", kind=VoucherKind.FULL_REDUCTION, days=200)
    give_card(account, "400.00")
    # days 1-10: 60 from the voucher (the voucher-payable part), 40 from the card; both are then used up;
    # day 11: 100 from cash; day 12 is not covered.
    fc = month_forecast(account=account)
    assert fc.runway.days == 11


@time_machine.travel(NOW, tick=False)
def test_a_voucher_pays_only_the_nights_before_it_expires(account):
    steady(account)
    fund_cash(account, "1000.00")
    give_voucher(account, "500.00", days=3)  # valid until 09-18 10:00: pays the nights of 09-15, 16 and 17
    assert month_forecast(account=account).runway.days == 13


@time_machine.travel(NOW, tick=False)
def test_no_charge_means_nothing_to_forecast(account):
    fund_cash(account, "1000.00")
    fc = month_forecast(account=account)
    assert (fc.has_history, fc.expected, fc.runway) == (False, None, None)


def test_runway_without_a_daily_charge_is_unbounded(account):
    runway = simulate_runway(account=account, first_day=date(2026, 9, 15), daily_amount=Decimal("0"),
                             daily_voucher_payable=Decimal("0"))
    assert (runway.days, runway.arrears_day) == (None, None)


def test_forecast_range_holds_the_real_total_in_a_replayed_history(account):
    rng = random.Random(20261001)
    start, end = date(2026, 9, 10), date(2026, 10, 31)
    day = start
    while day <= end:
        weekend = day.weekday() >= 5
        amount = Decimal(rng.randint(6000, 14000) if not weekend else rng.randint(3000, 7000)) / 100
        bill(account, day, amount)
        day += timedelta(days=1)
    month = date(2026, 10, 1)
    real = sum(b for b in [account.bills.get(day=month + timedelta(days=i)).total for i in range(31)])
    checked = 0
    for today in (date(2026, 10, d) for d in (3, 8, 12, 16, 20, 24, 28, 31)):
        fc = month_forecast(account=account, today=today, with_runway=False)
        assert fc.low <= real <= fc.high, (today, fc.low, real, fc.high)
        checked += 1
    assert checked == 8 and days.month_start(date(2026, 10, 31)) == month
