"""Factories of the statements tests: real nights (quota.night) over usage, funded through the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from payments.models import LedgerReason, Recharge, RechargeMethod, RechargeStatus
from payments.tenders import cash_credit
from quota.night import night_run_chunk
from quota.tests.factories import usage  # noqa: F401  (re-exported)
from tests.factories import UserFactory


def night(account, day: date):
    return night_run_chunk(day=day, account_ids=[account.pk])


def recharge(account, amount: str | Decimal) -> Recharge:
    """A succeeded offline recharge with its ledger entries (cash credit, arrears repaid first)."""
    item = Recharge.objects.create(
        account=account, method=RechargeMethod.OFFLINE, status=RechargeStatus.SUCCEEDED, amount=Decimal(amount),
        requested_by=UserFactory(), completed_at=timezone.now(),
    )
    cash_credit(account=account, amount=Decimal(amount), reason=LedgerReason.RECHARGE, source_type="recharge",
                source_id=item.pk, actor=None)
    return item
