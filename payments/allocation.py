"""THE settlement order: which instrument pays what, in one place (docs/RULES-payments.md "Settlement order").

Three things live here and nowhere else:

1. `ORDER`: the order of the tender kinds (ordinary vouchers, full-reduction vouchers, prepaid cards, cash; what
   is left becomes arrears). Within a kind the instrument whose validity ends first pays first, then the lower id.
   `VOUCHER_CAPPED`: the kinds that together pay at most a demand's voucher-payable amount (never SMS lines).
2. `USABLE` and `SOURCES`: when an instrument may pay at a moment (active, balance > 0, inside its validity
   window) and where each kind of instrument is stored. The rule is rendered as SQL (`usable_sql`), as an ORM
   filter (`usable_q`) and as a Python test (`_holds`, behind `has_lapsed`) from the same conditions.
3. `allocate_sql`: THE allocation, a SQL fragment over a relation of (demand, instrument) rows that says what
   each instrument takes. The set-based settlement (payments/settlement_sql.py) runs it over the live, locked
   rows of thousands of accounts; `plan_demands` runs it read-only (no lock, no write) in one recursive query
   that carries the balances from one demand to the next, which is what auto-renewal (payments/autopay.py),
   the cashier's suggestion and `simulate_daily_demands` (the runway forecast) use.

A new kind of instrument is a new `Source` (and its kind in `ORDER`); a change of order is an edit of `ORDER`.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core import days
from core.money import ZERO, quantize
from payments.models import TenderKind, VoucherKind
from workspaces.models import Account

# ---------------------------------------------------------------------------------------------------- the order

ORDER: tuple[str, ...] = (
    TenderKind.ORDINARY_VOUCHER,
    TenderKind.FULL_REDUCTION_VOUCHER,
    TenderKind.PREPAID_CARD,
    TenderKind.CASH,
)
VOUCHER_CAPPED: frozenset[str] = frozenset({TenderKind.ORDINARY_VOUCHER, TenderKind.FULL_REDUCTION_VOUCHER})
ARREARS_RANK = len(ORDER) + 1  # the arrears tender sorts after every instrument

# A voucher's tender kind from its own kind.
VOUCHER_TENDER_KIND: dict[str, str] = {
    VoucherKind.ORDINARY: TenderKind.ORDINARY_VOUCHER,
    VoucherKind.FULL_REDUCTION: TenderKind.FULL_REDUCTION_VOUCHER,
}


def rank_of(kind: str) -> int:
    return ORDER.index(kind) + 1


def _case(expression: str, mapping: dict[str, Any]) -> str:
    whens = " ".join(f"WHEN '{key}' THEN {value}" for key, value in mapping.items())
    return f"CASE {expression} {whens} END"


RANK_SQL = _case("kind", {kind: rank_of(kind) for kind in ORDER})
IS_VOUCHER_SQL = "kind IN (" + ", ".join(f"'{kind}'" for kind in sorted(VOUCHER_CAPPED)) + ")"

# ------------------------------------------------------------------------------------- where instruments live


@dataclass(frozen=True)
class Source:
    """Where instruments of some tender kinds are stored, as rows of the normalised instrument relation:
    kind, balance_kind, status, starts, expiry, inst_id, card_id, voucher_id, balance. `columns` maps each
    normalised name the usability rule reads to the table's column (None: the table has no such thing)."""

    table: str
    kind_sql: str  # the tender kind of a row ({a} is the table's alias)
    balance_kind: str  # payments.BalanceKind of its ledger entries
    columns: dict[str, str | None]
    id_column: str | None  # the instrument id (None: cash, one per wallet)
    card: bool = False
    voucher: bool = False
    nullable: tuple[str, ...] = ()  # columns that may be NULL (the rule then does not apply to them)

    def column(self, name: str, alias: str) -> str | None:
        column = self.columns.get(name)
        return None if column is None else f"{alias}.{column}"

    def select(self, alias: str) -> str:
        """The normalised columns of this source's rows (alias = the table's alias)."""

        def col(name: str, cast: str) -> str:
            column = self.column(name, alias)
            return f"{column}::{cast}" if column else f"NULL::{cast}"

        inst_id = f"{alias}.{self.id_column}" if self.id_column else "0"
        return ", ".join((
            f"({self.kind_sql.format(a=alias)})::text AS kind",
            f"'{self.balance_kind}'::text AS balance_kind",
            f"{col('status', 'text')} AS status" if self.columns.get("status") else "'active'::text AS status",
            f"{col('starts', 'timestamptz')} AS starts",
            f"{col('expiry', 'timestamptz')} AS expiry",
            f"{inst_id}::bigint AS inst_id",
            f"{inst_id if self.card else 'NULL'}::bigint AS card_id",
            f"{inst_id if self.voucher else 'NULL'}::bigint AS voucher_id",
            f"{col('balance', 'numeric')} AS balance",
        ))


VOUCHERS = Source(
    table="payments_voucher", kind_sql=_case("{a}.kind", {k: f"'{v}'" for k, v in VOUCHER_TENDER_KIND.items()}),
    balance_kind="voucher", id_column="id", voucher=True,
    columns={"status": "status", "balance": "balance", "starts": "valid_from", "expiry": "valid_until"},
)
CARDS = Source(
    table="payments_prepaidcard", kind_sql=f"'{TenderKind.PREPAID_CARD}'", balance_kind="card", id_column="id",
    card=True, columns={"status": "status", "balance": "balance", "starts": None, "expiry": "expires_at"},
)
CASH = Source(
    table="payments_wallet", kind_sql=f"'{TenderKind.CASH}'", balance_kind="cash", id_column=None,
    columns={"status": None, "balance": "cash_balance", "starts": None, "expiry": None},
)
SOURCES: tuple[Source, ...] = (VOUCHERS, CARDS, CASH)

# The state of a plan (the normalised relation, what `Source.select` yields, with the balance carried from one
# demand to the next in `held`): starts and expiry may be NULL there.
_PLAN_STATE = Source(table="", kind_sql="", balance_kind="", id_column=None, nullable=("starts", "expiry"),
                     columns={"status": "status", "balance": "held", "starts": "starts", "expiry": "expiry"})

# ------------------------------------------------------------------------------------------ the usable rule


class _Now:
    """The moment the rule is applied at."""


NOW = _Now()


@dataclass(frozen=True)
class Condition:
    name: str  # a normalised column
    op: str  # "=", ">", "<="
    value: Any  # a literal or NOW


# An instrument may pay at moment t when ALL of these hold (a condition on a column the source lacks is skipped).
USABLE: tuple[Condition, ...] = (
    Condition("status", "=", "active"),
    Condition("balance", ">", ZERO),
    Condition("starts", "<=", NOW),
    Condition("expiry", ">", NOW),
)
# The conditions that say whether an instrument's validity has ended (a payment names it "expired").
_LAPSE = ("expiry",)

_LOOKUP = {"=": "exact", ">": "gt", "<=": "lte"}
_PYTHON: dict[str, Callable[[Any, Any], bool]] = {"=": operator.eq, ">": operator.gt, "<=": operator.le}


def _literal(value: Any, now_sql: str) -> str:
    if value is NOW:
        return now_sql
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def usable_sql(source: Source, alias: str, now_sql: str = "%(now)s", *, skip: Sequence[str] = ()) -> str:
    """The rule as SQL over `alias`, rows of `source`, at the moment `now_sql` (an SQL expression)."""
    parts = []
    for cond in USABLE:
        column = source.column(cond.name, alias)
        if column is None or cond.name in skip:
            continue
        test = f"{column} {cond.op} {_literal(cond.value, now_sql)}"
        parts.append(f"({column} IS NULL OR {test})" if cond.name in source.nullable else test)
    return " AND ".join(parts) or "TRUE"


def usable_q(source: Source, now: datetime.datetime) -> Q:
    """The rule as an ORM filter on the source's model."""
    q = Q()
    for cond in USABLE:
        column = source.columns.get(cond.name)
        if column is not None:
            q &= Q(**{f"{column}__{_LOOKUP[cond.op]}": now if cond.value is NOW else cond.value})
    return q


def _holds(source: Source, obj: Any, now: datetime.datetime, names: Sequence[str] | None = None) -> bool:
    for cond in USABLE:
        column = source.columns.get(cond.name)
        if column is None or (names is not None and cond.name not in names):
            continue
        if not _PYTHON[cond.op](getattr(obj, column), now if cond.value is NOW else cond.value):
            return False
    return True


def has_lapsed(source: Source, obj: Any, now: datetime.datetime) -> bool:
    """The instrument's validity has ended at `now` (its status says so, or its end has passed)."""
    return obj.status == "expired" or not _holds(source, obj, now, _LAPSE)


# -------------------------------------------------------------------------------------------- the allocation

_ORDER_BY = "ORDER BY rank, expiry, inst_id ROWS UNBOUNDED PRECEDING"


def allocate_sql(instruments: str) -> str:
    """THE allocation. `instruments`: a relation (SQL) with one row per (demand, instrument) and at least the
    columns idx (the demand), amount, vpa (its voucher-payable amount), kind (TenderKind), expiry, inst_id and
    balance (what the instrument may pay now; 0 if it may not). Returns those rows with rank, is_voucher, avail
    and `take`: what the instrument pays of the demand. The voucher kinds are capped together by vpa, then
    everything by amount, in the order rank (ORDER), expiry, inst_id: running sums, so it is set-based."""
    return f"""
SELECT capped.*, GREATEST(0, LEAST(avail, amount - (SUM(avail) OVER w - avail)))::numeric AS take
FROM (
    SELECT ranked.*,
           (CASE WHEN is_voucher
                 THEN GREATEST(0, LEAST(balance, vpa - (SUM(CASE WHEN is_voucher THEN balance ELSE 0 END) OVER w
                                                        - balance)))
                 ELSE balance END)::numeric AS avail
    FROM (SELECT i.*, ({RANK_SQL})::integer AS rank, ({IS_VOUCHER_SQL}) AS is_voucher FROM ({instruments}) i) ranked
    WINDOW w AS (PARTITION BY idx {_ORDER_BY})
) capped
WINDOW w AS (PARTITION BY idx {_ORDER_BY})"""


def instruments_sql(demands: str, now_sql: str = "%(now)s", *, skip: Sequence[str] = ()) -> str:
    """The usable instruments of each demand's account at `now_sql`: `demands` is a relation with idx,
    account_id, amount, vpa. One branch per Source, each filtered by the usable rule on its own columns."""
    return "\nUNION ALL\n".join(
        f"SELECT d.idx, d.account_id, d.amount::numeric AS amount, d.vpa::numeric AS vpa, {source.select('x')}\n"
        f"FROM {demands} d JOIN {source.table} x ON x.account_id = d.account_id\n"
        f"WHERE {usable_sql(source, 'x', now_sql, skip=skip)}"
        for source in SOURCES
    )


# --------------------------------------------------------------------------------- read-only plans (Python)


@dataclass(frozen=True)
class PlanDemand:
    account_id: int
    amount: Decimal
    voucher_payable_amount: Decimal
    moment: datetime.datetime | None = None  # when it is paid (instruments usable then); None: now


@dataclass(frozen=True)
class Take:
    kind: str  # TenderKind
    amount: Decimal
    card_id: int | None = None
    voucher_id: int | None = None


@dataclass(frozen=True)
class DemandPlan:
    amount: Decimal
    voucher_payable_amount: Decimal
    takes: tuple[Take, ...]  # in the settlement order
    arrears: Decimal  # what the wallet cannot pay

    @property
    def by_kind(self) -> dict[str, Decimal]:
        """What each tender kind pays (arrears included), only kinds that pay something."""
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for take in self.takes:
            totals[take.kind] += take.amount
        if self.arrears > 0:
            totals[TenderKind.ARREARS] += self.arrears
        return dict(totals)


# One recursive query: demand k of an account is allocated over the balances left by demand k-1 (instruments
# loaded once, as they are at %(now)s, before their start of validity too); each demand applies the usable
# rule at its own moment, so an instrument that is not usable then has balance 0 for it.
_STATE = "idx, seq, account_id, amount, vpa, moment, kind, balance_kind, status, starts, expiry, inst_id, " \
         "card_id, voucher_id, held"


def _plan_sql() -> str:
    loaded = instruments_sql("_accounts", skip=("starts",))
    first = ("SELECT d.idx, d.seq, d.account_id, d.amount, d.vpa, d.moment, s.kind, s.balance_kind, s.status, "
             "s.starts, s.expiry, s.inst_id, s.card_id, s.voucher_id, s.balance AS held "
             "FROM _demand d JOIN _loaded s ON s.account_id = d.account_id WHERE d.seq = 1")
    following = ("SELECT d.idx, d.seq, d.account_id, d.amount, d.vpa, d.moment, r.kind, r.balance_kind, r.status, "
                 "r.starts, r.expiry, r.inst_id, r.card_id, r.voucher_id, (r.held - r.take)::numeric AS held "
                 "FROM _plan r JOIN _demand d ON d.account_id = r.account_id AND d.seq = r.seq + 1")

    def with_balance(relation: str) -> str:
        usable = usable_sql(_PLAN_STATE, "st", "st.moment")
        return (f"SELECT st.*, (CASE WHEN {usable} THEN st.held ELSE 0 END)::numeric AS balance "
                f"FROM ({relation}) st")

    return f"""
WITH RECURSIVE _demand AS (
    SELECT * FROM unnest(%(idx)s::integer[], %(seqs)s::integer[], %(accounts)s::bigint[], %(amounts)s::numeric[],
                         %(vpas)s::numeric[], %(moments)s::timestamptz[])
        AS t(idx, seq, account_id, amount, vpa, moment)
), _accounts AS (
    SELECT DISTINCT 0 AS idx, account_id, 0 AS amount, 0 AS vpa FROM _demand
), _loaded AS (
    {loaded}
), _plan AS (
    SELECT {_STATE}, rank, take FROM ({allocate_sql(with_balance(first))}) a
    UNION ALL
    SELECT {_STATE}, rank, take FROM ({allocate_sql(with_balance(following))}) a
)
SELECT idx, kind, card_id, voucher_id, take FROM _plan WHERE take > 0 ORDER BY idx, rank, expiry, inst_id"""


PLAN_SQL = _plan_sql()


def plan_demands(*, demands: Sequence[PlanDemand], now: datetime.datetime | None = None) -> list[DemandPlan]:
    """What `settle_demands` would take for these demands, WITHOUT locking or writing anything: demands of one
    account are paid one after the other (list order), each from what the previous ones left. One query."""
    if not demands:
        return []
    now = now or timezone.now()
    seq: dict[int, int] = defaultdict(int)
    seqs = []
    for demand in demands:
        seq[demand.account_id] += 1
        seqs.append(seq[demand.account_id])
    params: dict[str, Any] = {
        "now": now,
        "idx": list(range(len(demands))),
        "seqs": seqs,
        "accounts": [d.account_id for d in demands],
        "amounts": [quantize(d.amount) for d in demands],
        "vpas": [quantize(d.voucher_payable_amount) for d in demands],
        "moments": [d.moment or now for d in demands],
    }
    takes: dict[int, list[Take]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(PLAN_SQL, params)
        for idx, kind, card_id, voucher_id, take in cursor.fetchall():
            takes[idx].append(Take(kind=kind, amount=quantize(take), card_id=card_id, voucher_id=voucher_id))
    plans = []
    for idx, demand in enumerate(demands):
        amount = quantize(demand.amount)
        paid = sum((t.amount for t in takes[idx]), ZERO)
        plans.append(DemandPlan(amount=amount, voucher_payable_amount=quantize(demand.voucher_payable_amount),
                                takes=tuple(takes[idx]), arrears=amount - paid))
    return plans


@dataclass(frozen=True)
class DailyDemand:
    day: datetime.date
    amount: Decimal
    voucher_payable_amount: Decimal


@dataclass(frozen=True)
class SimulatedDay:
    day: datetime.date
    amount: Decimal
    paid: dict[str, Decimal] = field(default_factory=dict)  # TenderKind -> amount (instruments only)
    arrears: Decimal = ZERO  # what the wallet could not pay that day
    takes: tuple[Take, ...] = ()


def simulate_daily_demands(
    *, account: Account, demands: Sequence[DailyDemand], now: datetime.datetime | None = None
) -> list[SimulatedDay]:
    """Read-only runway simulation: the wallet's instruments as they are now pay the future daily demands in
    day order (the settlement order of `plan_demands`), balances carrying from day to day. Day D is paid at the
    end of D in the account's time zone (when the night settles it): an instrument whose validity has ended by
    then pays nothing, one whose validity has not begun yet pays from its first day. Returns one SimulatedDay per
    demand, in day order. One query."""
    ordered = sorted(demands, key=lambda d: d.day)
    plans = plan_demands(
        demands=[PlanDemand(account_id=account.pk, amount=d.amount, voucher_payable_amount=d.voucher_payable_amount,
                            moment=days.day_bounds(account, d.day)[1]) for d in ordered],
        now=now,
    )
    return [
        SimulatedDay(day=d.day, amount=plan.amount,
                     paid={k: v for k, v in plan.by_kind.items() if k != TenderKind.ARREARS},
                     arrears=plan.arrears, takes=plan.takes)
        for d, plan in zip(ordered, plans, strict=True)
    ]

