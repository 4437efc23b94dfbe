"""How paid documents are named for people (the invoices page, the invoice PDF): by what they are, when they
were paid and for how much, never by an internal id."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from core import formatting
from statements.models import InvoiceSourceType


def document_label(*, source_type: str, day, amount: Decimal, account=None, method: str = "") -> str:
    """What a paid document is, for people: "Prepaid card purchase 2026-11-20, ¥10,000.00" or
    "Recharge 2026-11-20 (Online payment), ¥10,000.00" (in the active language)."""
    when = formatting.day(day, account)
    if source_type == InvoiceSourceType.CARD_PURCHASE:
        return _("Prepaid card purchase %(day)s, %(amount)s") % {"day": when, "amount": formatting.money(amount)}
    if method:
        return _("Recharge %(day)s (%(method)s), %(amount)s") % {"day": when, "method": method,
                                                                  "amount": formatting.money(amount)}
    return _("Recharge %(day)s, %(amount)s") % {"day": when, "amount": formatting.money(amount)}
