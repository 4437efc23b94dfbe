"""Prepaid cards, vouchers, activation codes, expiry, manual adjustments."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import FinanceSettings
from payments.cards import prepaid_card_buy
from payments.maintenance import instruments_expire, wallet_adjust
from payments.models import (
    CardStatus,
    LedgerEntry,
    LedgerReason,
    PrepaidCard,
    Voucher,
    VoucherKind,
    VoucherStatus,
    Wallet,
)
from payments.settlement import SettlementDemand, settle_demands
from payments.tasks import expire_instruments
from payments.tests.factories import expire_now, fund_cash, give_card, give_voucher
from payments.vouchers import voucher_activate, voucher_batch_generate, voucher_issue

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(("total", "gift"), [("9900", None), ("10000", "1000"), ("29900", "1000"), ("30000", "5000"),
                                        ("99900", "5000"), ("100000", "20000"), ("250000", "20000")])
def test_card_purchase_gift_tiers(account, owner, total, gift, ledger_clean):
    fund_cash(account, total)
    purchase = prepaid_card_buy(account=account, face_value=D(total), actor=owner)
    card = purchase.cards[0]
    assert card.balance == card.face_value == D(total) and card.purchase_payment == purchase.payment
    assert Wallet.objects.get(account=account).cash_balance == 0
    if gift is None:
        assert purchase.gift_voucher is None
    else:
        voucher = purchase.gift_voucher
        assert voucher.kind == VoucherKind.FULL_REDUCTION and voucher.balance == D(gift)
        assert voucher.source_payment == purchase.payment


def test_highest_tier_per_purchase_of_several_cards(account, owner):
    fund_cash(account, "30000")
    purchase = prepaid_card_buy(account=account, face_value=D("10000"), quantity=3, actor=owner)
    assert len(purchase.cards) == 3 and purchase.total == D("30000")
    assert purchase.gift_voucher.face_value == D("5000")
    assert len({c.number for c in purchase.cards}) == 3


def test_card_validity_from_finance_settings(account, owner):
    settings = FinanceSettings.load()
    settings.card_validity_days = 30
    settings.gift_voucher_validity_days = 10
    settings.save()
    fund_cash(account, "10000")
    purchase = prepaid_card_buy(account=account, face_value=D("10000"), actor=owner)
    card = purchase.cards[0]
    assert (card.expires_at - card.purchased_at).days == 30
    gift = purchase.gift_voucher
    assert (gift.valid_until - gift.valid_from).days == 10


@pytest.mark.parametrize("face", ["150", "0", "-100", "99", "100.50", "abc", "50"])
def test_card_bad_face_values(account, owner, face):
    fund_cash(account, "1000")
    with pytest.raises(ApplicationError):
        prepaid_card_buy(account=account, face_value=face, actor=owner)
    assert not PrepaidCard.objects.exists()


def test_card_needs_cash_and_only_cash(account, owner):
    give_card(account, "5000")
    give_voucher(account, "5000")
    fund_cash(account, "99")
    before = LedgerEntry.objects.count()
    with pytest.raises(ApplicationError) as exc:
        prepaid_card_buy(account=account, face_value="100", actor=owner)
    assert exc.value.code == "insufficient_balance"
    assert PrepaidCard.objects.count() == 1 and LedgerEntry.objects.count() == before


def test_voucher_issue_and_bad_window(account, owner, ledger_clean):
    voucher = voucher_issue(account=account, face_value="200", valid_until=timezone.now() + timedelta(days=5),
                            actor=owner)
    entry = LedgerEntry.objects.get(voucher=voucher)
    assert entry.reason == LedgerReason.VOUCHER_ISSUED and entry.amount == D("200")
    with pytest.raises(ApplicationError):
        voucher_issue(account=account, face_value="200", valid_until=timezone.now() - timedelta(days=1), actor=owner)
    with pytest.raises(ApplicationError):
        voucher_issue(account=account, face_value="0", valid_until=timezone.now() + timedelta(days=1), actor=owner)


def test_code_batch_and_activation(account, other_account, owner, other_owner, ledger_clean):
    batch = voucher_batch_generate(name="Spring", face_value="300", quantity=4,
                                   valid_until=timezone.now() + timedelta(days=30), actor=owner)
    codes = list(batch.vouchers.values_list("code", flat=True))
    assert len(set(codes)) == 4 and all(len(c) == 16 for c in codes)
    assert not LedgerEntry.objects.exists()
    # codes are entered loosely: lower case, spaces and dashes
    loose = "-".join([codes[0][:4].lower(), codes[0][4:]])
    voucher = voucher_activate(account=account, code=f"  {loose} ", actor=owner)
    assert voucher.account == account and voucher.balance == D("300") and voucher.status == VoucherStatus.ACTIVE
    assert LedgerEntry.objects.get(voucher=voucher).reason == LedgerReason.VOUCHER_ACTIVATED
    with pytest.raises(ApplicationError) as exc:
        voucher_activate(account=other_account, code=codes[0], actor=other_owner)
    assert exc.value.code == "code_used" and exc.value.status_code == 409
    with pytest.raises(ApplicationError) as exc:
        voucher_activate(account=account, code="NOPE-NOPE", actor=owner)
    assert exc.value.code == "unknown_code" and exc.value.status_code == 404
    with pytest.raises(ApplicationError) as exc:
        voucher_activate(account=account, code="", actor=owner)
    assert exc.value.code == "invalid_code"
    Voucher.objects.filter(code=codes[1]).update(valid_from=timezone.now() - timedelta(days=2),
                                                 valid_until=timezone.now() - timedelta(days=1))
    with pytest.raises(ApplicationError) as exc:
        voucher_activate(account=account, code=codes[1], actor=owner)
    assert exc.value.code == "code_expired"


def test_batch_bad_input(owner):
    until = timezone.now() + timedelta(days=1)
    for kwargs in ({"quantity": 0}, {"quantity": 10001}, {"face_value": "-1"}, {"name": " "}):
        args = {"name": "x", "face_value": "10", "quantity": 2, "valid_until": until, "actor": owner, **kwargs}
        with pytest.raises(ApplicationError):
            voucher_batch_generate(**args)
    assert not Voucher.objects.exists()


def test_expiry_lapses_through_the_ledger_and_is_idempotent(account, ledger_clean):
    card = give_card(account, "70")
    voucher = give_voucher(account, "30")
    keep = give_voucher(account, "10")
    empty = give_card(account, "0")
    for obj in (card, voucher, empty):
        expire_now(obj)
    assert expire_instruments.delay().get() == 3
    card.refresh_from_db()
    voucher.refresh_from_db()
    keep.refresh_from_db()
    assert (card.status, card.balance) == (CardStatus.EXPIRED, 0)
    assert (voucher.status, voucher.balance) == (VoucherStatus.EXPIRED, 0)
    assert keep.status == VoucherStatus.ACTIVE
    assert LedgerEntry.objects.filter(reason=LedgerReason.EXPIRY).count() == 2
    assert instruments_expire() == 0


def test_expired_not_used_by_settlement_after_expiry(account, ledger_clean):
    card = give_card(account, "70")
    expire_now(card)
    instruments_expire()
    result = settle_demands(demands=[SettlementDemand(account.pk, D("5"), D("5"), "bill", 1)])
    assert [e.balance_kind for e in LedgerEntry.objects.filter(payment_id=result[("bill", 1)])] == ["arrears"]


def test_manual_adjustment(account, owner, ledger_clean):
    wallet_adjust(account=account, amount="100", reason="goodwill", actor=owner)
    wallet_adjust(account=account, amount="-40.50", reason="correction", actor=owner)
    assert Wallet.objects.get(account=account).cash_balance == D("59.50")
    entries = LedgerEntry.objects.filter(reason=LedgerReason.ADJUSTMENT).order_by("id")
    assert [e.memo for e in entries] == ["goodwill", "correction"]
    with pytest.raises(ApplicationError) as exc:
        wallet_adjust(account=account, amount="-60", reason="too much", actor=owner)
    assert exc.value.code == "insufficient_balance"
    for amount, reason in (("10", ""), ("0", "x"), ("abc", "x"), ("1.001", "x")):
        with pytest.raises(ApplicationError):
            wallet_adjust(account=account, amount=amount, reason=reason, actor=owner)
    assert Wallet.objects.get(account=account).cash_balance == D("59.50")
