"""Bill checks for `manage.py reconcile`: every bill agrees with its lines and its settlements."""

from __future__ import annotations

from django.db import connection

CHECKS = [
    (
        "total != sum of its lines",
        """SELECT b.id, b.account_id, b.day, b.total, coalesce(sum(l.amount), 0)
           FROM quota_bill b LEFT JOIN quota_billline l ON l.bill_id = b.id AND l.day = b.day
           GROUP BY b.id HAVING b.total <> coalesce(sum(l.amount), 0)""",
    ),
    (
        "voucher_payable_total != sum of its voucher-payable lines",
        """SELECT b.id, b.account_id, b.day, b.voucher_payable_total,
                  coalesce(sum(l.amount) FILTER (WHERE bi.voucher_payable), 0)
           FROM quota_bill b LEFT JOIN quota_billline l ON l.bill_id = b.id AND l.day = b.day
           LEFT JOIN plans_billingitem bi ON bi.id = l.billing_item_id
           GROUP BY b.id
           HAVING b.voucher_payable_total <> coalesce(sum(l.amount) FILTER (WHERE bi.voucher_payable), 0)""",
    ),
    (
        "charged != sum of its settlements",
        """SELECT b.id, b.account_id, b.day, b.charged, coalesce(sum(s.amount), 0)
           FROM quota_bill b LEFT JOIN quota_billsettlement s ON s.bill_id = b.id
           GROUP BY b.id HAVING b.charged <> coalesce(sum(s.amount), 0)""",
    ),
    (
        "voucher-payable parts out of range "
        "(0 <= voucher_payable_total <= total, 0 <= voucher_payable_charged <= charged)",
        """SELECT b.id, b.account_id, b.day, b.voucher_payable_total, b.voucher_payable_charged FROM quota_bill b
           WHERE b.voucher_payable_total < 0 OR b.voucher_payable_total > b.total
              OR b.voucher_payable_charged < 0 OR b.voucher_payable_charged > b.charged""",
    ),
    (
        "line amount != round(overage / pricing unit x unit price, 2)",
        """SELECT l.bill_id, b.account_id, b.day, l.amount,
                  round(l.overage::numeric * l.unit_price / bi.pricing_unit, 2)
           FROM quota_billline l JOIN quota_bill b ON b.id = l.bill_id AND b.day = l.day
           JOIN plans_billingitem bi ON bi.id = l.billing_item_id
           WHERE l.amount <> round(l.overage::numeric * l.unit_price / bi.pricing_unit, 2)
              OR l.covered_by_package + l.covered_by_traffic > l.converted""",
    ),
]


ORPHANS = """
SELECT l.bill_id, b.account_id, b.day, l.workspace_id, l.billing_item_id
FROM quota_billline l LEFT JOIN quota_bill b ON b.id = l.bill_id
LEFT JOIN workspaces_workspace w ON w.id = l.workspace_id AND w.account_id = b.account_id
LEFT JOIN plans_billingitem bi ON bi.id = l.billing_item_id
LEFT JOIN plans_storagepolicy sp ON sp.id = l.storage_policy_id AND sp.billing_item_id = l.billing_item_id
LEFT JOIN orders_package p ON p.id = l.package_id AND p.account_id = b.account_id
WHERE b.id IS NULL OR w.id IS NULL OR bi.id IS NULL OR sp.id IS NULL OR (l.package_id IS NOT NULL AND p.id IS NULL)
"""


def check_bills() -> list[str]:
    """One message per mismatch; empty when every bill is consistent."""
    problems: list[str] = []
    with connection.cursor() as cursor:
        for label, sql in CHECKS:
            cursor.execute(sql + " LIMIT 1000")
            for bill_id, account_id, day, stored, expected in cursor.fetchall():
                problems.append(
                    f"bill {bill_id} (account {account_id}, {day}): {label}: {stored} vs {expected}"
                )
        cursor.execute(ORPHANS + " LIMIT 1000")
        for bill_id, account_id, day, workspace_id, item_id in cursor.fetchall():
            problems.append(
                f"bill {bill_id} (account {account_id}, {day}): a line of workspace {workspace_id}, item {item_id} "
                "references a missing or foreign workspace, item, policy or package"
            )
    return problems
