"""Monthly bills: build, refresh and finalise the accounts' bills of one calendar month, set-based.

Rules (docs/RULES-statements.md):
- A monthly bill covers the days of one calendar month in the account's time zone (core.days). Its lines and
  its consumption total are the sums of that month's daily bills; its tender totals are what the settlements
  it accounts for were paid with.
- A settlement belongs to the month of its bill's day while that month is open; a settlement made after that
  month became final (a late re-run) is an adjustment of the open month in which it was made (the month of
  its creation, or the first open month after it).
- Last month becomes final on the 3rd of this month (account time zone); a final bill never changes
  (service check here, and a database trigger). When it does, `statements.signals.monthly_bill_finalized` is
  sent (the notifications app mails the owners and administrators after commit).

The close is one implementation for one account or all of them: `_close_chunk` refreshes (and, at the
finalisation, makes final) the bills of a month for a chunk of accounts in one transaction, with a handful of
statements whatever the chunk's size (the bills created and locked; the lines, the settlement links and the
totals each one INSERT ... SELECT / ON CONFLICT or UPDATE over the whole chunk). Every read of bill lines is
bounded by the month's days, so only that month's partitions are read. A refresh rewrites only what changed:
re-closing a month whose daily bills did not change writes no line and no link (only `refreshed_at`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.days import account_today, account_zone, month_bounds, month_end, month_start, next_month
from core.exceptions import Conflict
from quota.models import Bill
from statements.error_codes import StatementsErrorCode as Code
from statements.models import MonthlyBill, MonthlyBillStatus
from statements.signals import monthly_bill_finalized
from workspaces.models import Account

logger = logging.getLogger(__name__)

FINAL_ON_DAY = 3  # last month becomes final on the 3rd (account time zone)
# Accounts per transaction of the close: bounds the rows locked and the memory of one statement's aggregation
# (BENCHMARKS.md "Monthly close against its floor").
CLOSE_CHUNK_SIZE = 500


def finalisation_day(month: date) -> date:
    return next_month(month).replace(day=FINAL_ON_DAY)


# --------------------------------------------------------------------------------------------------------------
# the set-based close of a chunk of accounts
#
# Amounts: sums of two-place amounts, rounded with round(x, 2), which on numeric rounds half away from zero
# like core.money.quantize (ROUND_HALF_UP); the sums are exact, so it never changes a cent.

# Every account of the chunk gets its bill of the month (created open if missing); the bills are then locked
# in account order (the same order for every close, so two closes of overlapping chunks cannot deadlock).
_LOCK_OR_CREATE = """
INSERT INTO statements_monthlybill (account_id, month, status, consumption_total, adjustments_total, total,
    paid_ordinary_voucher, paid_full_reduction_voucher, paid_prepaid_card, paid_cash, paid_arrears,
    arrears_at_month_end, daily_bill_count, refreshed_at, created_at)
SELECT a.id, %(month)s, 'open', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, %(now)s, %(created)s
FROM unnest(%(accounts)s::bigint[]) AS a(id)
ORDER BY a.id
ON CONFLICT (account_id, month) DO NOTHING;
SELECT id, account_id, status FROM statements_monthlybill
WHERE account_id = ANY(%(accounts)s::bigint[]) AND month = %(month)s
ORDER BY account_id
FOR UPDATE
"""

# The lines: per bill, workspace and item, the sums of the month's daily bill lines. Lines no longer there are
# deleted; new or changed ones upserted; unchanged ones are not written.
_LINES = """
WITH target AS (
    SELECT id AS monthly_bill_id, account_id FROM statements_monthlybill WHERE id = ANY(%(bills)s::bigint[])
),
fresh AS (
    SELECT target.monthly_bill_id, l.workspace_id, l.billing_item_id,
           sum(l.usage)::bigint AS usage,
           (sum(l.covered_by_package) + sum(l.covered_by_traffic))::bigint AS covered,
           sum(l.overage)::bigint AS overage,
           round(sum(l.amount), 2) AS amount
    FROM quota_bill b
    JOIN target ON target.account_id = b.account_id
    JOIN quota_billline l ON l.bill_id = b.id
    WHERE b.account_id = ANY(%(open_accounts)s::bigint[])
      AND b.day BETWEEN %(first)s AND %(last)s
      AND l.day BETWEEN %(first)s AND %(last)s
    GROUP BY 1, 2, 3
),
stale AS (
    DELETE FROM statements_monthlybillline t
    WHERE t.monthly_bill_id = ANY(%(bills)s::bigint[])
      AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.monthly_bill_id = t.monthly_bill_id
                      AND f.workspace_id = t.workspace_id AND f.billing_item_id = t.billing_item_id)
    RETURNING 1
),
written AS (
    INSERT INTO statements_monthlybillline (monthly_bill_id, workspace_id, billing_item_id, usage, covered,
                                            overage, amount)
    SELECT f.monthly_bill_id, f.workspace_id, f.billing_item_id, f.usage, f.covered, f.overage, f.amount
    FROM fresh f
    LEFT JOIN statements_monthlybillline t ON t.monthly_bill_id = f.monthly_bill_id
         AND t.workspace_id = f.workspace_id AND t.billing_item_id = f.billing_item_id
    WHERE t.id IS NULL
       OR (t.usage, t.covered, t.overage, t.amount) IS DISTINCT FROM (f.usage, f.covered, f.overage, f.amount)
    ON CONFLICT (monthly_bill_id, workspace_id, billing_item_id) DO UPDATE
        SET usage = EXCLUDED.usage, covered = EXCLUDED.covered, overage = EXCLUDED.overage,
            amount = EXCLUDED.amount
    RETURNING 1
)
SELECT (SELECT count(*) FROM stale), (SELECT count(*) FROM written)
"""

# The settlements each bill accounts for (the module's rules): a settlement of a day of an open month belongs
# to that month; one of a day of a final month is an adjustment of the first open month from the month it was
# made in (account time zone). Candidates: the accounts' settlements up to the month's last day that are not
# linked yet or linked to this month's bill. A month M is that first open month from `base` when M >= base and
# every month in [base, M) is final, i.e. there are exactly as many final months in that range as months.
_SETTLEMENTS = """
WITH zone AS (
    SELECT * FROM unnest(%(open_accounts)s::bigint[], %(zones)s::text[]) AS z(account_id, name)
),
target AS (
    SELECT id AS monthly_bill_id, account_id FROM statements_monthlybill WHERE id = ANY(%(bills)s::bigint[])
),
final AS (
    SELECT account_id, month FROM statements_monthlybill
    WHERE account_id = ANY(%(open_accounts)s::bigint[]) AND status = 'final'
),
candidate AS (
    SELECT s.id AS settlement_id, b.account_id, b.day, s.amount,
           date_trunc('month', b.day)::date AS day_month,
           date_trunc('month', s.created_at AT TIME ZONE zone.name)::date AS made_month
    FROM quota_bill b
    JOIN zone ON zone.account_id = b.account_id
    JOIN quota_billsettlement s ON s.bill_id = b.id
    LEFT JOIN statements_monthlybillsettlement link ON link.settlement_id = s.id
    LEFT JOIN statements_monthlybill linked ON linked.id = link.monthly_bill_id
    WHERE b.account_id = ANY(%(open_accounts)s::bigint[]) AND b.day <= %(last)s
      AND (link.id IS NULL OR linked.month = %(month)s)
),
placed AS (
    SELECT c.*, greatest(c.day_month, c.made_month) AS base,
           EXISTS (SELECT 1 FROM final f WHERE f.account_id = c.account_id AND f.month = c.day_month)
               AS is_adjustment
    FROM candidate c
),
claim AS (
    SELECT target.monthly_bill_id, p.settlement_id, p.day, p.amount, p.is_adjustment
    FROM placed p
    JOIN target ON target.account_id = p.account_id
    WHERE (NOT p.is_adjustment AND p.day_month = %(month)s)
       OR (p.is_adjustment AND p.base <= %(month)s
           AND (SELECT count(*) FROM final f
                WHERE f.account_id = p.account_id AND f.month >= p.base AND f.month < %(month)s)
               = (extract(year FROM %(month)s::date) - extract(year FROM p.base)) * 12
                 + extract(month FROM %(month)s::date) - extract(month FROM p.base))
),
stale AS (
    DELETE FROM statements_monthlybillsettlement t
    WHERE t.monthly_bill_id = ANY(%(bills)s::bigint[])
      AND NOT EXISTS (SELECT 1 FROM claim c WHERE c.settlement_id = t.settlement_id
                      AND c.monthly_bill_id = t.monthly_bill_id)
    RETURNING 1
),
written AS (
    INSERT INTO statements_monthlybillsettlement (monthly_bill_id, settlement_id, day, amount, is_adjustment)
    SELECT c.monthly_bill_id, c.settlement_id, c.day, c.amount, c.is_adjustment
    FROM claim c
    LEFT JOIN statements_monthlybillsettlement t ON t.settlement_id = c.settlement_id
    WHERE t.id IS NULL
       OR (t.monthly_bill_id, t.day, t.amount, t.is_adjustment)
          IS DISTINCT FROM (c.monthly_bill_id, c.day, c.amount, c.is_adjustment)
    ON CONFLICT (settlement_id) DO UPDATE
        SET monthly_bill_id = EXCLUDED.monthly_bill_id, day = EXCLUDED.day, amount = EXCLUDED.amount,
            is_adjustment = EXCLUDED.is_adjustment
    RETURNING 1
)
SELECT (SELECT count(*) FROM stale), (SELECT count(*) FROM written)
"""

# The totals: consumption = the month's daily bills' totals; adjustments = the adjustment links; per tender
# kind what the linked settlements were paid with (a credit back counts negative; one without a payment goes
# to cash); the arrears balance after the last arrears entry before the month's end (or now); and, at the
# finalisation, the status.
_TOTALS = """
WITH until AS (
    SELECT * FROM unnest(%(open_accounts)s::bigint[], %(until)s::timestamptz[]) AS u(account_id, at)
),
daily AS (
    SELECT b.account_id, sum(b.total) AS total, count(*) AS bills
    FROM quota_bill b
    WHERE b.account_id = ANY(%(open_accounts)s::bigint[]) AND b.day BETWEEN %(first)s AND %(last)s
    GROUP BY 1
),
claimed AS (
    SELECT ms.monthly_bill_id,
           coalesce(sum(ms.amount) FILTER (WHERE ms.is_adjustment), 0) AS adjustments,
           coalesce(sum(ms.amount) FILTER (WHERE s.payment_id IS NULL AND ms.amount < 0), 0) AS credits
    FROM statements_monthlybillsettlement ms
    JOIN quota_billsettlement s ON s.id = ms.settlement_id
    WHERE ms.monthly_bill_id = ANY(%(bills)s::bigint[])
    GROUP BY 1
),
tender AS (
    SELECT ms.monthly_bill_id, t.kind, sum(CASE WHEN s.amount < 0 THEN -t.amount ELSE t.amount END) AS paid
    FROM statements_monthlybillsettlement ms
    JOIN quota_billsettlement s ON s.id = ms.settlement_id
    JOIN payments_paymenttender t ON t.payment_id = s.payment_id
    WHERE ms.monthly_bill_id = ANY(%(bills)s::bigint[])
    GROUP BY 1, 2
),
paid AS (
    SELECT monthly_bill_id,
           coalesce(sum(paid) FILTER (WHERE kind = 'ordinary_voucher'), 0) AS ordinary_voucher,
           coalesce(sum(paid) FILTER (WHERE kind = 'full_reduction_voucher'), 0) AS full_reduction_voucher,
           coalesce(sum(paid) FILTER (WHERE kind = 'prepaid_card'), 0) AS prepaid_card,
           coalesce(sum(paid) FILTER (WHERE kind = 'cash'), 0) AS cash,
           coalesce(sum(paid) FILTER (WHERE kind = 'arrears'), 0) AS arrears
    FROM tender GROUP BY 1
),
fresh AS (
    SELECT mb.id,
           round(coalesce(d.total, 0), 2) AS consumption,
           round(coalesce(c.adjustments, 0), 2) AS adjustments,
           coalesce(p.ordinary_voucher, 0) AS ordinary_voucher,
           coalesce(p.full_reduction_voucher, 0) AS full_reduction_voucher,
           coalesce(p.prepaid_card, 0) AS prepaid_card,
           coalesce(p.cash, 0) + coalesce(c.credits, 0) AS cash,
           coalesce(p.arrears, 0) AS arrears,
           coalesce((SELECT e.balance_after FROM payments_ledgerentry e
                     WHERE e.account_id = mb.account_id AND e.balance_kind = 'arrears' AND e.created_at < u.at
                     ORDER BY e.created_at DESC, e.id DESC LIMIT 1), 0) AS arrears_at_end,
           coalesce(d.bills, 0) AS bills
    FROM statements_monthlybill mb
    JOIN until u ON u.account_id = mb.account_id
    LEFT JOIN daily d ON d.account_id = mb.account_id
    LEFT JOIN claimed c ON c.monthly_bill_id = mb.id
    LEFT JOIN paid p ON p.monthly_bill_id = mb.id
    WHERE mb.id = ANY(%(bills)s::bigint[])
)
UPDATE statements_monthlybill mb
SET consumption_total = f.consumption, adjustments_total = f.adjustments,
    total = f.consumption + f.adjustments,
    paid_ordinary_voucher = f.ordinary_voucher, paid_full_reduction_voucher = f.full_reduction_voucher,
    paid_prepaid_card = f.prepaid_card, paid_cash = f.cash, paid_arrears = f.arrears,
    arrears_at_month_end = f.arrears_at_end, daily_bill_count = f.bills, refreshed_at = %(now)s,
    status = CASE WHEN %(finalize)s THEN 'final' ELSE mb.status END,
    finalized_at = CASE WHEN %(finalize)s THEN %(now)s ELSE mb.finalized_at END
FROM fresh f
WHERE mb.id = f.id
"""


@dataclass
class CloseResult:
    """What a close did: the bills refreshed (made final, with `finalize`), the accounts whose bill of the
    month was already final (left unchanged), and the rows written."""

    month: date
    bill_ids: list[int] = field(default_factory=list)
    final_account_ids: list[int] = field(default_factory=list)
    lines_deleted: int = 0
    lines_written: int = 0
    links_deleted: int = 0
    links_written: int = 0

    def add(self, other: CloseResult) -> None:
        self.bill_ids += other.bill_ids
        self.final_account_ids += other.final_account_ids
        self.lines_deleted += other.lines_deleted
        self.lines_written += other.lines_written
        self.links_deleted += other.links_deleted
        self.links_written += other.links_written


def _close_chunk(*, account_ids: Sequence[int], month: date, now: datetime, finalize: bool = False) -> CloseResult:
    """Refresh the bills of `month` (its first day) of these accounts in one transaction (created if missing;
    a final bill is left as it is and its account reported). With `finalize`, the refreshed bills become
    final at `now` (the caller checked that their finalisation day has come)."""
    result = CloseResult(month=month)
    ids = sorted({int(pk) for pk in account_ids})
    if not ids:
        return result
    accounts = list(Account.objects.filter(pk__in=ids).order_by("pk").only("pk", "time_zone"))
    ids = [account.pk for account in accounts]
    params: dict[str, Any] = {
        "month": month, "first": month, "last": month_end(month), "now": now, "created": timezone.now(),
        "accounts": ids, "finalize": finalize,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # JIT compilation costs more than it saves on a chunk's aggregation (as for the night): off here. The
        # aggregation's memory is bounded by the chunk (accounts x workspaces x items groups): enough work_mem
        # to hash it rather than sort a month of lines on disk.
        cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        cursor.execute(_LOCK_OR_CREATE, params)
        bills = cursor.fetchall()
        open_bills = {account_id: pk for pk, account_id, status in bills if status == MonthlyBillStatus.OPEN}
        result.final_account_ids = [account_id for _pk, account_id, status in bills if account_id not in open_bills]
        open_accounts = [account for account in accounts if account.pk in open_bills]
        if not open_accounts:
            return result
        params.update(
            bills=[open_bills[account.pk] for account in open_accounts],
            open_accounts=[account.pk for account in open_accounts],
            zones=[account_zone(account).key for account in open_accounts],
            until=[min(now, month_bounds(account, month)[1]) for account in open_accounts],
        )
        cursor.execute(_LINES, params)
        result.lines_deleted, result.lines_written = cursor.fetchone()
        cursor.execute(_SETTLEMENTS, params)
        result.links_deleted, result.links_written = cursor.fetchone()
        cursor.execute(_TOTALS, params)
        result.bill_ids = params["bills"]
    return result


def _chunks(ids: Sequence[int], size: int) -> list[list[int]]:
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def monthly_bills_close(
    *,
    month: date,
    account_ids: Iterable[int] | None = None,
    now: datetime | None = None,
    chunk_size: int = CLOSE_CHUNK_SIZE,
) -> CloseResult:
    """Build or rebuild the bills of `month` (any day of it) for the given accounts (default: every account),
    `chunk_size` accounts per transaction. Bills already final are left unchanged (`final_account_ids`).
    Idempotent: closing again with unchanged daily bills and settlements gives the same bills."""
    month = month_start(month)
    now = now or timezone.now()
    if account_ids is None:
        ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted({int(pk) for pk in account_ids})
    total = CloseResult(month=month)
    for chunk in _chunks(ids, chunk_size):
        total.add(_close_chunk(account_ids=chunk, month=month, now=now))
    return total


# --------------------------------------------------------------------------------------------------------------
# one account


def _refused(month: date) -> Conflict:
    return Conflict(
        f"The bill of {month:%Y-%m} is final and cannot change; later adjustments go to the current month.",
        code=Code.MONTHLY_BILL_FINAL,
    )


@transaction.atomic
def monthly_bill_refresh(*, account: Account, month: date, now: datetime | None = None) -> MonthlyBill:
    """Build or rebuild the account's bill for `month` (any day of it): the close of a one-account chunk.
    A final bill is refused (Conflict `monthly_bill_final`)."""
    month = month_start(month)
    result = _close_chunk(account_ids=[account.pk], month=month, now=now or timezone.now())
    if result.final_account_ids:
        raise _refused(month)
    return MonthlyBill.objects.get(account=account, month=month)


@transaction.atomic
def monthly_bill_finalize(*, account: Account, month: date, now: datetime | None = None) -> MonthlyBill:
    """Refresh the month's bill one last time and make it final; `monthly_bill_finalized` is sent (the
    owners and administrators are mailed after commit). Only a month whose finalisation day (the 3rd of the
    next month) has come."""
    month = month_start(month)
    now = now or timezone.now()
    if account_today(account, now=now) < finalisation_day(month):
        raise Conflict(
            f"The bill of {month:%Y-%m} becomes final on {finalisation_day(month):%Y-%m-%d}.",
            code=Code.MONTHLY_BILL_NOT_DUE,
        )
    result = _close_chunk(account_ids=[account.pk], month=month, now=now, finalize=True)
    if result.final_account_ids:
        raise _refused(month)
    bill = MonthlyBill.objects.get(account=account, month=month)
    monthly_bill_finalized.send(sender=MonthlyBill, monthly_bill=bill)
    return bill


# --------------------------------------------------------------------------------------------------------------
# the beat's work


def monthly_bills_finalize_due(
    *, now: datetime | None = None, account_ids: Iterable[int] | None = None, chunk_size: int = CLOSE_CHUNK_SIZE
) -> int:
    """Finalise every open month whose 3rd-of-next-month has come (the Celery beat task's work): month by
    month, oldest first (an account's earlier month is final before its next one is closed), each month in
    chunks of accounts. Returns how many bills became final."""
    now = now or timezone.now()
    accounts = Account.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    # Accounts with a daily bill in a month that is not final yet, or an open monthly bill.
    open_months = set(
        MonthlyBill.objects.filter(status=MonthlyBillStatus.OPEN, account__in=accounts).values_list(
            "account_id", "month"
        )
    )
    final_months = set(
        MonthlyBill.objects.filter(status=MonthlyBillStatus.FINAL, account__in=accounts).values_list(
            "account_id", "month"
        )
    )
    billed = set(
        Bill.objects.filter(account__in=accounts)
        .annotate(m=TruncMonth("day"))
        .values_list("account_id", "m")
        .distinct()
    )
    candidates = (open_months | billed) - final_months
    by_id = Account.objects.only("pk", "time_zone").in_bulk({account_id for account_id, _m in candidates})
    due: dict[date, list[int]] = defaultdict(list)
    for account_id, month in candidates:
        if account_today(by_id[account_id], now=now) >= finalisation_day(month):
            due[month].append(account_id)
    done = 0
    for month in sorted(due):
        for chunk in _chunks(sorted(due[month]), chunk_size):
            with transaction.atomic():
                result = _close_chunk(account_ids=chunk, month=month, now=now, finalize=True)
                for account_id in result.final_account_ids:
                    logger.warning("monthly bill %s %s not finalised: already final", account_id, month)
                for bill in MonthlyBill.objects.filter(pk__in=result.bill_ids).order_by("account_id"):
                    monthly_bill_finalized.send(sender=MonthlyBill, monthly_bill=bill)
            done += len(result.bill_ids)
    return done


def monthly_bills_refresh_for_day(
    *, day: date, account_ids: Iterable[int] | None = None, chunk_size: int = CLOSE_CHUNK_SIZE
) -> int:
    """After a night: refresh the monthly bill of `day`'s month for each account with a bill that day (or,
    when that month is final, the account's current month, where the adjustment lands), set-based in chunks.
    Returns how many bills were refreshed."""
    bills = Bill.objects.filter(day=day)
    if account_ids is not None:
        bills = bills.filter(account_id__in=list(account_ids))
    month = month_start(day)
    accounts = list(Account.objects.filter(pk__in=bills.values("account_id")).only("pk", "time_zone"))
    final = set(
        MonthlyBill.objects.filter(
            account__in=[a.pk for a in accounts], month=month, status=MonthlyBillStatus.FINAL
        ).values_list("account_id", flat=True)
    )
    targets: dict[date, list[int]] = defaultdict(list)
    for account in accounts:
        targets[month_start(account_today(account)) if account.pk in final else month].append(account.pk)
    count = 0
    for target in sorted(targets):
        count += len(monthly_bills_close(month=target, account_ids=targets[target], chunk_size=chunk_size).bill_ids)
    return count
