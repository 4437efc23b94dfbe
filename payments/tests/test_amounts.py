"""payments/amounts.py: typed amounts go through core.money's parser; computed Decimals are checked, not parsed."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.exceptions import ApplicationError
from core.money import MAX_REQUEST_AMOUNT
from payments.amounts import INTERNAL_AMOUNT_CEILING, checked_amount, checked_signed_amount


@pytest.mark.parametrize("raw", ["1e2", "\uff11\uff10\uff10", "1_000", "100.001", "0", "-5", "", "abc", "NaN", 1.5,
                                 None, True, str(MAX_REQUEST_AMOUNT + 1)])
def test_typed_amounts_follow_core_money(raw):
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        checked_amount(raw, what="Amount")
    assert exc.value.code == "invalid_amount"
    assert exc.value.message.startswith("Amount: ")
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as exc:
        checked_amount(raw, what="金额")
    assert exc.value.message.startswith("金额\uff1a")


def test_typed_amounts_are_parsed_to_cents():
    assert checked_amount(" 100.5 ", what="Amount") == Decimal("100.50")
    assert checked_amount(7, what="Amount") == Decimal("7.00")


def test_computed_amounts_may_exceed_a_request_but_not_the_internal_ceiling():
    assert Decimal("10000000000") == INTERNAL_AMOUNT_CEILING
    assert checked_amount(MAX_REQUEST_AMOUNT * 10, what="Total") == MAX_REQUEST_AMOUNT * 10
    assert checked_amount(Decimal("0"), what="Total", allow_zero=True) == Decimal("0.00")
    for bad in (INTERNAL_AMOUNT_CEILING + Decimal("0.01"), Decimal("1.005"), Decimal("0"), Decimal("-1"),
                Decimal("NaN"), Decimal("1e999999")):
        with pytest.raises(ApplicationError):
            checked_amount(bad, what="Total")


def test_signed_amounts():
    assert checked_signed_amount("-40.50", what="Amount") == (-1, Decimal("40.50"))
    assert checked_signed_amount(Decimal("12"), what="Amount") == (1, Decimal("12.00"))
    for bad in ("0", "--5", "-", Decimal("0"), 1.5, None):
        with pytest.raises(ApplicationError):
            checked_signed_amount(bad, what="Amount")

