"""The set-based settlement of many charges at once (the night's bills): ordinary vouchers, full-reduction
vouchers, prepaid cards, cash, and what is still owed becomes arrears. Its SQL is in payments/settlement_sql.py;
the locks it takes there follow the one order of payments/locks.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from payments import settlement_sql as sql
from payments.amounts import checked_amount
from payments.error_codes import PaymentsErrorCode as Code
from payments.ledger import actor_or_none
from workspaces.models import Account

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class SettlementDemand:
    account_id: int
    amount: Decimal  # > 0, what to charge now
    voucher_payable_amount: Decimal  # 0 <= x <= amount (everything but SMS)
    source_type: str  # "bill"
    source_id: int


def _validate_demands(demands: Sequence[SettlementDemand]) -> list[SettlementDemand]:
    clean: list[SettlementDemand] = []
    seen: set[tuple[str, int]] = set()
    for index, demand in enumerate(demands):
        label = _("Demand %(number)s") % {"number": index + 1}
        if not isinstance(demand, SettlementDemand):
            raise ApplicationError(_("%(demand)s is not a settlement demand.") % {"demand": label},
                                   code=Code.INVALID_DEMAND)
        amount = checked_amount(demand.amount, what=_("%(demand)s amount") % {"demand": label})
        vpa = checked_amount(demand.voucher_payable_amount, allow_zero=True,
                             what=_("%(demand)s voucher-payable amount") % {"demand": label})
        if vpa > amount:
            raise ApplicationError(_("%(demand)s: the voucher-payable amount exceeds the amount.") % {"demand": label},
                                   code=Code.INVALID_DEMAND)
        if not demand.source_type or len(demand.source_type) > 32:
            raise ApplicationError(_("%(demand)s: the source type must be 1 to 32 characters.") % {"demand": label},
                                   code=Code.INVALID_DEMAND)
        key = (demand.source_type, int(demand.source_id))
        if key in seen:
            raise ApplicationError(_("%(demand)s: %(source)s appears twice.") % {"demand": label, "source": key},
                                   code=Code.DUPLICATE_DEMAND)
        seen.add(key)
        clean.append(SettlementDemand(account_id=int(demand.account_id), amount=amount, voucher_payable_amount=vpa,
                                      source_type=demand.source_type, source_id=int(demand.source_id)))
    return clean


def settle_demands(
    *, demands: Sequence[SettlementDemand], actor: User | None = None
) -> dict[tuple[str, int], int]:
    """Settle many charges at once in the fixed order: ordinary vouchers, full-reduction vouchers, prepaid
    cards, cash; what is still owed becomes arrears (Wallet.arrears, ledger ARREARS_INCURRED, tender "arrears";
    arrears_since set when the arrears go from 0 to > 0). Within a kind the instrument that expires first goes
    first, then the lowest id. Vouchers pay at most each demand's voucher_payable_amount. Returns
    {(source_type, source_id): payment_id}.

    Set-based: the demands go into a temporary table, the wallets, cards and vouchers of all their accounts are
    locked (wallets by account id, then cards by id, then vouchers by id), the allocation is one query with
    window functions, and payments, tenders, ledger entries and balances are written with one statement each.
    Several demands of one account are settled in successive rounds (one demand per account per round), each
    round ONE round-trip (settlement_sql.SETTLE_ROUND)."""
    clean = _validate_demands(demands)
    if not clean:
        return {}
    known = set(Account.objects.filter(pk__in={d.account_id for d in clean}).values_list("pk", flat=True))
    unknown = sorted({d.account_id for d in clean} - known)
    if unknown:
        raise ApplicationError(_("Unknown accounts %(ids)s.") % {"ids": unknown[:10]}, code=Code.UNKNOWN_ACCOUNT)
    rounds: list[list[SettlementDemand]] = []
    depth: dict[int, int] = defaultdict(int)
    for demand in clean:
        level = depth[demand.account_id]
        depth[demand.account_id] += 1
        if level == len(rounds):
            rounds.append([])
        rounds[level].append(demand)
    params = {"now": timezone.now(), "actor": getattr(actor_or_none(actor), "pk", None)}
    result: dict[tuple[str, int], int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in rounds:
            cursor.execute(
                sql.SETTLE_ROUND,
                {
                    **params,
                    "idx": list(range(len(batch))),
                    "accounts": [d.account_id for d in batch],
                    "amounts": [d.amount for d in batch],
                    "vpas": [d.voucher_payable_amount for d in batch],
                    "source_types": [d.source_type for d in batch],
                    "source_ids": [d.source_id for d in batch],
                },
            )
            for source_type, source_id, payment_id in cursor.fetchall():
                result[(source_type, source_id)] = payment_id
    return result
