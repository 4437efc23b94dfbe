"""Reads of the wallet, always scoped to an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from core import days
from core.money import ZERO
from payments import allocation
from payments.models import (
    LedgerEntry,
    PrepaidCard,
    Recharge,
    Voucher,
    VoucherKind,
    Wallet,
)
from workspaces.models import Account


@dataclass(frozen=True)
class WalletSummary:
    account_id: int
    cash_balance: Decimal
    arrears: Decimal
    arrears_since: datetime | None
    card_balance: Decimal
    card_count: int
    ordinary_voucher_balance: Decimal
    full_reduction_voucher_balance: Decimal
    voucher_count: int

    @property
    def voucher_balance(self) -> Decimal:
        return self.ordinary_voucher_balance + self.full_reduction_voucher_balance

    @property
    def total_available(self) -> Decimal:
        return self.cash_balance + self.card_balance + self.voucher_balance


def usable_cards(*, account: Account) -> QuerySet[PrepaidCard]:
    """The cards that may pay now (payments.allocation's usable rule), the one that expires first first."""
    return PrepaidCard.objects.for_account(account).filter(
        allocation.usable_q(allocation.CARDS, timezone.now())
    ).order_by("expires_at", "id")


def usable_vouchers(*, account: Account) -> QuerySet[Voucher]:
    """The vouchers that may pay now (payments.allocation's usable rule), the one that ends first first."""
    return Voucher.objects.for_account(account).filter(
        allocation.usable_q(allocation.VOUCHERS, timezone.now())
    ).order_by("valid_until", "id")


def cash_balance(*, account: Account) -> Decimal:
    """The account's cash balance (zero before its wallet exists)."""
    wallet = Wallet.objects.filter(account=account).first()
    return wallet.cash_balance if wallet else ZERO


def wallet_summary(*, account: Account) -> WalletSummary:
    """Balances usable now (3 queries)."""
    wallet = Wallet.objects.filter(account=account).first() or Wallet(account=account)
    cards = usable_cards(account=account).aggregate(total=Sum("balance"), count=Count("id"))
    vouchers = usable_vouchers(account=account).aggregate(
        ordinary=Sum("balance", filter=Q(kind=VoucherKind.ORDINARY)),
        full=Sum("balance", filter=Q(kind=VoucherKind.FULL_REDUCTION)),
        count=Count("id"),
    )
    return WalletSummary(
        account_id=account.pk, cash_balance=wallet.cash_balance, arrears=wallet.arrears,
        arrears_since=wallet.arrears_since, card_balance=cards["total"] or ZERO, card_count=cards["count"],
        ordinary_voucher_balance=vouchers["ordinary"] or ZERO, full_reduction_voucher_balance=vouchers["full"] or ZERO,
        voucher_count=vouchers["count"],
    )


def card_list(*, account: Account) -> QuerySet[PrepaidCard]:
    return PrepaidCard.objects.for_account(account).order_by("-purchased_at", "-id")


def voucher_list(*, account: Account) -> QuerySet[Voucher]:
    return Voucher.objects.for_account(account).order_by("-created_at", "-id")


def recharge_list(*, account: Account) -> QuerySet[Recharge]:
    return Recharge.objects.for_account(account).order_by("-created_at", "-id")


def day_bounds(account: Account, date_from: date | None, date_to: date | None) -> tuple[datetime | None,
                                                                                          datetime | None]:
    """[start of date_from, start of the day after date_to) in the account's time zone (core.days)."""
    start = days.day_bounds(account, date_from)[0] if date_from else None
    end = days.day_bounds(account, date_to)[1] if date_to else None
    return start, end


def filter_dates(queryset: QuerySet, account: Account, field: str, date_from: date | None,
                 date_to: date | None) -> QuerySet:
    start, end = day_bounds(account, date_from, date_to)
    if start:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def ledger_list(*, account: Account, date_from: date | None = None, date_to: date | None = None,
                balance_kind: str | None = None) -> QuerySet[LedgerEntry]:
    """Revenue and expenditure details: every movement of the account's balances, newest first."""
    queryset = LedgerEntry.objects.for_account(account).select_related("card", "voucher", "payment").order_by("-id")
    if balance_kind:
        queryset = queryset.filter(balance_kind=balance_kind)
    return filter_dates(queryset, account, "created_at", date_from, date_to)
