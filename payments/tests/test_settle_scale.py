"""settle_demands is set-based: thousands of demands over as many accounts (2 vouchers, 1 card and cash each)
in one call, correct and reconciled. Its speed is measured by benchmarks/night.py (settlement phase), not here."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from payments.models import (
    BalanceKind,
    LedgerEntry,
    LedgerReason,
    PrepaidCard,
    Voucher,
    VoucherKind,
    Wallet,
)
from payments.reconcile import check_balances
from payments.settlement import SettlementDemand, settle_demands
from workspaces.models import Account

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal


def build(n):
    now = timezone.now()
    accounts = Account.objects.bulk_create([Account(name=f"scale {i}") for i in range(n)])
    Wallet.objects.bulk_create([Wallet(account=a, cash_balance=D("50")) for a in accounts])
    cards = PrepaidCard.objects.bulk_create([
        PrepaidCard(account=a, number=f"S{a.pk:012d}", face_value=D("100"), balance=D("40"), purchased_at=now,
                    expires_at=now + timedelta(days=100)) for a in accounts])
    vouchers = Voucher.objects.bulk_create([
        Voucher(account=a, kind=kind, face_value=D("10"), balance=D("10"), valid_from=now - timedelta(days=1),
                valid_until=now + timedelta(days=days))
        for a in accounts for kind, days in ((VoucherKind.ORDINARY, 20), (VoucherKind.FULL_REDUCTION, 10))])
    entries = [LedgerEntry(account=a, balance_kind=BalanceKind.CASH, amount=D("50"), balance_after=D("50"),
                           reason=LedgerReason.RECHARGE, source_type="test") for a in accounts]
    entries += [LedgerEntry(account_id=c.account_id, balance_kind=BalanceKind.CARD, card=c, amount=D("40"),
                            balance_after=D("40"), reason=LedgerReason.CARD_ISSUED, source_type="test") for c in cards]
    entries += [LedgerEntry(account_id=v.account_id, balance_kind=BalanceKind.VOUCHER, voucher=v, amount=D("10"),
                            balance_after=D("10"), reason=LedgerReason.VOUCHER_ISSUED, source_type="test")
                for v in vouchers]
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    return accounts


def test_thousands_of_demands_in_one_call():
    n = 2_000
    accounts = build(n)
    # amounts cycle so that some stop in vouchers, some in cards, some in cash, some run into arrears
    demands = [SettlementDemand(a.pk, D(str(5 + (i % 12) * 10)), D(str(5 + (i % 12) * 10 - 2)), "bill", i + 1)
               for i, a in enumerate(accounts)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE payments_voucher; ANALYZE payments_prepaidcard; ANALYZE payments_wallet;")
    with transaction.atomic():
        result = settle_demands(demands=demands)
    assert len(result) == n
    assert check_balances() == []
    in_arrears = Wallet.objects.filter(account__in=accounts, arrears__gt=0).count()
    assert 0 < in_arrears < n
