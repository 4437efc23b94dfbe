"""Balances against the ledger: every cash, arrears, card and voucher balance must equal the sum of its
ledger entries, and each entry's balance_after must equal the running sum of its balance's entries (by id)."""

from __future__ import annotations

from django.db import connection

_CHECKS = [
    (
        "cash",
        """SELECT w.account_id, w.cash_balance, COALESCE(SUM(l.amount), 0) FROM payments_wallet w
           LEFT JOIN payments_ledgerentry l ON l.account_id = w.account_id AND l.balance_kind = 'cash'
           GROUP BY w.account_id, w.cash_balance HAVING w.cash_balance <> COALESCE(SUM(l.amount), 0)""",
    ),
    (
        "arrears",
        """SELECT w.account_id, w.arrears, COALESCE(SUM(l.amount), 0) FROM payments_wallet w
           LEFT JOIN payments_ledgerentry l ON l.account_id = w.account_id AND l.balance_kind = 'arrears'
           GROUP BY w.account_id, w.arrears HAVING w.arrears <> COALESCE(SUM(l.amount), 0)""",
    ),
    (
        "card",
        """SELECT c.id, c.balance, COALESCE(SUM(l.amount), 0) FROM payments_prepaidcard c
           LEFT JOIN payments_ledgerentry l ON l.card_id = c.id
           GROUP BY c.id, c.balance HAVING c.balance <> COALESCE(SUM(l.amount), 0)""",
    ),
    (
        "voucher",
        """SELECT v.id, v.balance, COALESCE(SUM(l.amount), 0) FROM payments_voucher v
           LEFT JOIN payments_ledgerentry l ON l.voucher_id = v.id
           GROUP BY v.id, v.balance HAVING v.balance <> COALESCE(SUM(l.amount), 0)""",
    ),
]

_ORPHANS = """
SELECT l.balance_kind, l.account_id, COUNT(*) FROM payments_ledgerentry l
LEFT JOIN payments_wallet w ON w.account_id = l.account_id
WHERE l.balance_kind IN ('cash', 'arrears') AND w.id IS NULL GROUP BY l.balance_kind, l.account_id
"""

_CHAIN = """
SELECT id, balance_kind, account_id, card_id, voucher_id, balance_after, running FROM (
    SELECT l.*, SUM(l.amount) OVER (
        PARTITION BY l.balance_kind,
                     CASE WHEN l.balance_kind IN ('cash', 'arrears') THEN l.account_id END, l.card_id, l.voucher_id
        ORDER BY l.id ROWS UNBOUNDED PRECEDING) AS running
    FROM payments_ledgerentry l
) t WHERE balance_after <> running ORDER BY id LIMIT 1000
"""


def check_balances() -> list[str]:
    """Every mismatch as a sentence; an empty list means the wallet agrees with the ledger."""
    problems: list[str] = []
    with connection.cursor() as cursor:
        for kind, sql in _CHECKS:
            cursor.execute(sql)
            for key, balance, total in cursor.fetchall():
                owner = f"account {key}" if kind in ("cash", "arrears") else f"{kind} {key}"
                problems.append(f"{kind} balance of {owner} is {balance} but its ledger entries sum to {total}")
        cursor.execute(_ORPHANS)
        for kind, account_id, count in cursor.fetchall():
            problems.append(f"{count} {kind} ledger entries of account {account_id}, which has no wallet")
        cursor.execute(_CHAIN)
        for entry_id, kind, account_id, card_id, voucher_id, after, running in cursor.fetchall():
            owner = {"card": f"card {card_id}", "voucher": f"voucher {voucher_id}"}.get(kind, f"account {account_id}")
            problems.append(
                f"ledger entry {entry_id} ({kind} of {owner}) says balance_after {after}, "
                f"but the running sum of its entries is {running}"
            )
    return problems
