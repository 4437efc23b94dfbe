"""Reads of the forecasts app, always scoped to an account: the month-end forecast, the runway, the rules and
the open warnings.

Forecast method (docs/PRODUCT.md "Month-end forecast"): the daily totals of the last 14 billed-or-billable days
(days without a bill count as zero, but never before the account's first bill). Expected = month-to-date +
mean x remaining days; range = month-to-date + P10 x remaining .. month-to-date + P90 x remaining (percentiles
by linear interpolation). Remaining days = the days of this month after the latest billed day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Sum

from core import days
from core.money import ZERO, quantize
from forecasts.models import WarningEpisode, WarningKind, WarningRule
from forecasts.runway import Runway, simulate_runway
from payments import selectors as wallet
from quota.models import Bill, BillLine
from workspaces.models import Account

WINDOW_DAYS = 14


@dataclass(frozen=True)
class Forecast:
    today: date
    month: date
    month_to_date: Decimal
    has_history: bool  # False: no charge to forecast from (the page says so; no zero forecast)
    expected: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    daily_mean: Decimal | None = None
    daily_voucher_payable: Decimal | None = None
    window_days: int = 0
    remaining_days: int = 0
    runway: Runway | None = None
    usable_balance: Decimal = ZERO
    arrears: Decimal = ZERO


def percentile(values: list[Decimal], share: Decimal) -> Decimal:
    """The `share` (0..1) percentile of `values` by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return ZERO
    position = share * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _series(totals: dict[date, tuple[Decimal, Decimal]], first_bill: date | None, latest: date) -> list[date]:
    if first_bill is None:
        return []
    start = max(first_bill, latest - timedelta(days=WINDOW_DAYS - 1))
    return [start + timedelta(days=i) for i in range((latest - start).days + 1)]


def month_forecast(
    *, account: Account, today: date | None = None, workspace_ids: Iterable[int] | None = None,
    with_runway: bool = True,
) -> Forecast:
    """The forecast of the current month in the account's zone (for some workspaces only when `workspace_ids`
    is given: budgets), and the runway of the whole wallet."""
    today = today or days.account_today(account)
    month = days.month_start(today)
    ids = None if workspace_ids is None else sorted(set(workspace_ids))
    window_start = min(month, today - timedelta(days=WINDOW_DAYS))
    bills = Bill.objects.for_account(account).filter(day__lt=today)
    if ids is None:
        rows = bills.filter(day__gte=window_start).values_list("day", "total", "voucher_payable_total")
        totals = {day: (total, payable) for day, total, payable in rows}
        first_bill = bills.order_by("day").values_list("day", flat=True).first()
    else:
        lines = BillLine.objects.filter(bill__account=account, bill__day__lt=today, workspace_id__in=ids)
        rows = (lines.filter(bill__day__gte=window_start).values("bill__day").annotate(s=Sum("amount"))
                .values_list("bill__day", "s"))
        totals = {day: (total, total) for day, total in rows}
        first_bill = lines.order_by("bill__day").values_list("bill__day", flat=True).first()
    latest_billed = bills.order_by("-day").values_list("day", flat=True).first()
    month_to_date = sum((t for d, (t, _p) in totals.items() if d >= month), ZERO)
    summary = wallet.wallet_summary(account=account) if with_runway else None
    balance = summary.total_available if summary else ZERO
    arrears = summary.arrears if summary else ZERO
    if latest_billed is None or first_bill is None:
        return Forecast(today=today, month=month, month_to_date=month_to_date, has_history=False,
                        usable_balance=balance, arrears=arrears)
    series = _series(totals, first_bill, latest_billed)
    amounts = [totals.get(d, (ZERO, ZERO))[0] for d in series]
    payable = [totals.get(d, (ZERO, ZERO))[1] for d in series]
    mean = sum(amounts, ZERO) / len(amounts)
    remaining = max(0, (days.month_end(month) - max(latest_billed, month - timedelta(days=1))).days)
    expected = quantize(month_to_date + mean * remaining)
    low = quantize(month_to_date + percentile(amounts, Decimal("0.1")) * remaining)
    high = quantize(month_to_date + percentile(amounts, Decimal("0.9")) * remaining)
    voucher_mean = sum(payable, ZERO) / len(payable)
    runway = None
    if with_runway:
        runway = simulate_runway(account=account, first_day=latest_billed + timedelta(days=1),
                                 daily_amount=quantize(mean), daily_voucher_payable=quantize(voucher_mean))
    return Forecast(
        today=today, month=month, month_to_date=month_to_date, has_history=True, expected=expected, low=low,
        high=high, daily_mean=quantize(mean), daily_voucher_payable=quantize(voucher_mean), window_days=len(series),
        remaining_days=remaining, runway=runway, usable_balance=balance, arrears=arrears,
    )


def warning_rule_list(*, account: Account) -> QuerySet[WarningRule]:
    return (WarningRule.objects.for_account(account).select_related("package__plan", "billing_item")
            .prefetch_related("workspaces").order_by("kind", "pk"))


def open_episodes(*, account: Account) -> QuerySet[WarningEpisode]:
    """The open warnings, newest first. Of a package's item crossing several quota thresholds (80 % and 100 %),
    only the highest is shown: the lower says nothing more (each was mailed when it fired)."""
    higher = WarningEpisode.objects.filter(
        account_id=OuterRef("account_id"), subject=OuterRef("subject"), closed_on__isnull=True,
        rule__kind=WarningKind.QUOTA, rule__percent__gt=OuterRef("rule__percent"))
    return (WarningEpisode.objects.for_account(account).filter(closed_on__isnull=True)
            .exclude(Exists(higher)).select_related("rule").order_by("-opened_on", "-pk"))


def recent_episodes(*, account: Account) -> QuerySet[WarningEpisode]:
    """The warnings sent, newest first (the page shows them a page at a time)."""
    return WarningEpisode.objects.for_account(account).select_related("rule").order_by("-opened_on", "-pk")
