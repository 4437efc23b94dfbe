"""The one allocation (payments/allocation.py): the read-only plan equals what the settlement writes, over random
wallets and demands; the usable rule reads the same as SQL, ORM filter and Python; the runway simulation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments import allocation
from payments.allocation import DailyDemand, PlanDemand, plan_demands, simulate_daily_demands
from payments.autopay import plan_wallet_tenders
from payments.models import (
    CardStatus,
    PaymentTender,
    PrepaidCard,
    TenderKind,
    Voucher,
    VoucherKind,
    VoucherStatus,
    Wallet,
)
from payments.selectors import usable_cards, usable_vouchers
from payments.settlement import SettlementDemand, settle_demands
from payments.tenders import TenderSpec
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime.datetime(2026, 3, 10, 4, 0, tzinfo=datetime.UTC)

money = st.decimals(min_value=D("0.01"), max_value=D("300"), places=2)
# Few distinct offsets, so that equal ends of validity (decided by the id) are common.
offsets = st.sampled_from([-30, -1, 0, 1, 1, 2, 5, 30])
card_st = st.fixed_dictionaries({
    "type": st.just("card"), "balance": st.one_of(st.just(D("0")), money), "end": offsets,
    "status": st.sampled_from([CardStatus.ACTIVE, CardStatus.ACTIVE, CardStatus.EXHAUSTED, CardStatus.EXPIRED]),
})
voucher_st = st.fixed_dictionaries({
    "type": st.sampled_from([VoucherKind.ORDINARY, VoucherKind.FULL_REDUCTION]),
    "balance": st.one_of(st.just(D("0")), money), "end": offsets, "start": st.sampled_from([-40, -31, -2, 0, 1]),
    "status": st.sampled_from([VoucherStatus.ACTIVE, VoucherStatus.ACTIVE, VoucherStatus.EXHAUSTED,
                               VoucherStatus.EXPIRED]),
})
wallet_st = st.fixed_dictionaries({
    "cash": st.one_of(st.just(D("0")), money),
    "instruments": st.lists(st.one_of(card_st, voucher_st), max_size=7),
})
demand_st = st.tuples(st.decimals(min_value=D("0.01"), max_value=D("600"), places=2),
                      st.sampled_from([D("0"), D("0.3"), D("0.9"), D("1"), D("1")]))


def _moment(hours_offset: int) -> datetime.datetime:
    return NOW + datetime.timedelta(hours=hours_offset)


def _make_wallet(spec) -> int:
    account = AccountFactory()
    Wallet.objects.update_or_create(account=account, defaults={"cash_balance": spec["cash"], "arrears": 0})
    for number, inst in enumerate(spec["instruments"]):
        end = _moment(inst["end"])
        if inst["type"] == "card":
            PrepaidCard.objects.create(
                account=account, number=f"H{account.pk}-{number}", face_value=D("300"), balance=inst["balance"],
                status=inst["status"], purchased_at=end - datetime.timedelta(days=400), expires_at=end)
        else:
            start = _moment(inst["start"])
            Voucher.objects.create(
                account=account, kind=inst["type"], status=inst["status"], face_value=D("300"),
                balance=inst["balance"], valid_from=min(start, end - datetime.timedelta(hours=1)), valid_until=end)
    return account.pk


def _written(payment_id: int) -> list[tuple[str, int | None, int | None, Decimal]]:
    return [(t.kind, t.card_id, t.voucher_id, t.amount)
            for t in PaymentTender.objects.filter(payment_id=payment_id).order_by("pk")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(wallets=st.lists(wallet_st, min_size=1, max_size=2),
       demands=st.lists(st.tuples(st.integers(0, 1), demand_st), min_size=1, max_size=4))
def test_plan_equals_what_settlement_writes(wallets, demands):
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        accounts = [_make_wallet(spec) for spec in wallets]
        settle = [SettlementDemand(account_id=accounts[which % len(accounts)], amount=amount,
                                   voucher_payable_amount=(amount * share).quantize(D("0.01")),
                                   source_type="bill", source_id=index + 1)
                  for index, (which, (amount, share)) in enumerate(demands)]
        plans = plan_demands(demands=[PlanDemand(account_id=d.account_id, amount=d.amount,
                                                 voucher_payable_amount=d.voucher_payable_amount) for d in settle])
        paid = settle_demands(demands=settle)
        for demand, plan in zip(settle, plans, strict=True):
            expected = [(t.kind, t.card_id, t.voucher_id, t.amount) for t in plan.takes]
            if plan.arrears > 0:
                expected.append((TenderKind.ARREARS, None, None, plan.arrears))
            assert _written(paid[("bill", demand.source_id)]) == expected
        transaction.set_rollback(True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wallet=wallet_st, hours=st.sampled_from([-2, 0, 1, 3, 30]))
def test_usable_rule_reads_the_same_in_sql_orm_and_python(wallet, hours):
    moment = _moment(hours)
    with time_machine.travel(moment, tick=False), transaction.atomic():
        account_id = _make_wallet(wallet)
        account = AccountFactory._meta.model.objects.get(pk=account_id)
        cards = PrepaidCard.objects.filter(account_id=account_id)
        vouchers = Voucher.objects.filter(account_id=account_id)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM payments_prepaidcard c WHERE account_id = %(a)s AND "
                           f"{allocation.usable_sql(allocation.CARDS, 'c')} ORDER BY id", {"a": account_id,
                                                                                         "now": moment})
            sql_cards = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT id FROM payments_voucher v WHERE account_id = %(a)s AND "
                           f"{allocation.usable_sql(allocation.VOUCHERS, 'v')} ORDER BY id", {"a": account_id,
                                                                                            "now": moment})
            sql_vouchers = [row[0] for row in cursor.fetchall()]
        python_cards = sorted(c.pk for c in cards if allocation._holds(allocation.CARDS, c, moment))
        python_vouchers = sorted(v.pk for v in vouchers if allocation._holds(allocation.VOUCHERS, v, moment))
        assert sql_cards == python_cards == sorted(c.pk for c in usable_cards(account=account))
        assert sql_vouchers == python_vouchers == sorted(v.pk for v in usable_vouchers(account=account))
        transaction.set_rollback(True)


def test_plan_wallet_tenders_reads_only_in_one_query(account):
    Wallet.objects.update_or_create(account=account, defaults={"cash_balance": D("50"), "arrears": 0})
    card = PrepaidCard.objects.create(account=account, number="P1", face_value=D("100"), balance=D("100"),
                                      purchased_at=NOW, expires_at=NOW + datetime.timedelta(days=365))
    voucher = Voucher.objects.create(account=account, face_value=D("30"), balance=D("30"),
                                     valid_from=NOW - datetime.timedelta(days=1),
                                     valid_until=NOW + datetime.timedelta(days=30))
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False), \
            CaptureQueriesContext(connection) as queries:
        plan = plan_wallet_tenders(account=account, amount=D("170"), voucher_payable_amount=D("20"))
    assert plan.tenders == [TenderSpec("voucher", D("20"), voucher.pk), TenderSpec("card", D("100"), card.pk),
                            TenderSpec("cash", D("50"))]
    assert plan.shortfall == D("0")
    assert len(queries) == 1
    assert "FOR UPDATE" not in queries[0]["sql"] and "INSERT" not in queries[0]["sql"]


def test_simulate_daily_demands_carries_balances_and_expires(account):
    """Asia/Shanghai: day D is paid at the end of D (16:00 UTC). The ordinary voucher ends on the 12th at 12:00
    UTC, so it pays the 10th and 11th only (4 lapse unused); the full-reduction voucher, valid from the 12th,
    pays from the 12th; cash carries from day to day; what is left is arrears. Demands given out of order."""
    Wallet.objects.update_or_create(account=account, defaults={"cash_balance": D("25"), "arrears": 0})
    Voucher.objects.create(account=account, face_value=D("20"), balance=D("20"),
                           valid_from=NOW - datetime.timedelta(days=1),
                           valid_until=datetime.datetime(2026, 3, 12, 12, 0, tzinfo=datetime.UTC))
    Voucher.objects.create(account=account, kind=VoucherKind.FULL_REDUCTION, face_value=D("4"), balance=D("4"),
                           valid_from=datetime.datetime(2026, 3, 12, 1, tzinfo=datetime.UTC),
                           valid_until=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC))
    day = datetime.date(2026, 3, 10)
    demands = [DailyDemand(day + datetime.timedelta(days=n), D("10"), D("8")) for n in (3, 0, 4, 1, 2)]
    with CaptureQueriesContext(connection) as queries:
        result = simulate_daily_demands(account=account, demands=demands, now=NOW)
    assert len(queries) == 1
    assert [(r.day.day, r.paid, r.arrears) for r in result] == [
        (10, {TenderKind.ORDINARY_VOUCHER: D("8"), TenderKind.CASH: D("2")}, D("0")),
        (11, {TenderKind.ORDINARY_VOUCHER: D("8"), TenderKind.CASH: D("2")}, D("0")),
        (12, {TenderKind.FULL_REDUCTION_VOUCHER: D("4"), TenderKind.CASH: D("6")}, D("0")),
        (13, {TenderKind.CASH: D("10")}, D("0")),
        (14, {TenderKind.CASH: D("5")}, D("5")),
    ]
