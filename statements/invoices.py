"""Invoice requests: an owner requests an invoice over parts of the account's paid documents; finance issues
it (a number and a PDF kept unchanged) or rejects it (its amounts become invoiceable again). Either decision
sends `statements.signals.invoice_request_decided` (the notifications app mails the requester after commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.days import vendor_today
from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.money import ZERO, parse_amount, quantize
from payments.locks import lock_wallet
from statements import selectors
from statements.error_codes import StatementsErrorCode as Code
from statements.models import InvoiceRequest, InvoiceRequestLine, InvoiceSourceType, InvoiceStatus, InvoiceType
from statements.pdf import render_invoice_pdf
from statements.signals import invoice_request_decided
from workspaces.models import Account


@dataclass(frozen=True)
class InvoiceLineSpec:
    source_type: str  # "recharge" or "card_purchase"
    source_id: int
    amount: Decimal | str


TAX_ID_LENGTHS = (15, 18, 20)


def _clean_text(value: object, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ApplicationError(f"{label} is required.", code=Code.INVALID, fields={field: ["Required."]})
    if len(text) > max_length:
        raise ApplicationError(
            f"{label} may have at most {max_length} characters.", code=Code.INVALID, fields={field: ["Too long."]}
        )
    return text


@transaction.atomic
def invoice_request_create(
    *,
    account: Account,
    requested_by: User,
    lines: Sequence[InvoiceLineSpec],
    title: str,
    tax_id: str,
    email: str,
    invoice_type: str = InvoiceType.GENERAL,
    note: str = "",
) -> InvoiceRequest:
    """Request an invoice over parts of the account's paid documents. Each line must name one of the
    account's own documents and stay within what is still invoiceable on it, and the request within the
    account's invoiceable amount (selectors.invoiceable_summary). Nothing is written on any error."""
    title = _clean_text(title, field="title", label="The invoice title", max_length=200)
    tax_id = _clean_text(tax_id, field="tax_id", label="The taxpayer ID", max_length=20).upper()
    if len(tax_id) not in TAX_ID_LENGTHS or not tax_id.isalnum() or not tax_id.isascii():
        raise ApplicationError(
            "The taxpayer ID is the 15, 18 or 20 letters and digits of the buyer's tax registration.",
            code=Code.INVALID, fields={"tax_id": ["Invalid taxpayer ID."]},
        )
    email = _clean_text(email, field="email", label="The email", max_length=254)
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            "Enter a valid email address.", code=Code.INVALID, fields={"email": ["Invalid."]}
        ) from None
    if invoice_type not in InvoiceType.values:
        raise ApplicationError("Unknown invoice type.", code=Code.INVALID, fields={"invoice_type": ["Unknown."]})
    note = _clean_text(note, field="note", label="The note", max_length=500, required=False)
    if not lines:
        raise ApplicationError(
            "Choose at least one paid document to invoice.", code=Code.INVOICE_NO_LINES, fields={"lines": ["Required."]}
        )

    # Serialise the account's invoice requests (documents after the wallet in the lock order).
    lock_wallet(account.pk)
    documents = selectors.invoiceable_documents(account=account)
    by_key = {(d.source_type, d.source_id): d for d in documents}
    seen: set[tuple[str, int]] = set()
    cleaned: list[tuple[str, int, Decimal]] = []
    for index, spec in enumerate(lines):
        key = (spec.source_type, spec.source_id)
        if spec.source_type not in InvoiceSourceType.values or key not in by_key:
            raise Unprocessable(
                "This document is not one of this account's paid recharges or prepaid-card purchases.",
                code=Code.INVOICE_UNKNOWN_DOCUMENT, fields={f"lines[{index}]": ["Unknown document."]},
            )
        if key in seen:
            raise ApplicationError(
                "Each document may appear once.", code=Code.INVALID, fields={f"lines[{index}]": ["Duplicate."]}
            )
        seen.add(key)
        try:
            amount = parse_amount(spec.amount)
        except ValueError as error:
            raise ApplicationError(str(error), code=Code.INVALID, fields={f"lines[{index}]": [str(error)]}) from None
        document = by_key[key]
        if amount > document.invoiceable:
            raise Unprocessable(
                f"{document.label}: at most {document.invoiceable} can still be invoiced.",
                code=Code.INVOICE_ABOVE_INVOICEABLE, fields={f"lines[{index}]": ["Above the invoiceable amount."]},
            )
        cleaned.append((spec.source_type, spec.source_id, amount))
    total = quantize(sum((amount for _t, _i, amount in cleaned), ZERO))
    summary = selectors.invoiceable_summary(account=account)
    if total > summary.invoiceable:
        raise Unprocessable(
            f"At most {summary.invoiceable} can still be invoiced for this account.",
            code=Code.INVOICE_ABOVE_INVOICEABLE, fields={"amount": ["Above the invoiceable amount."]},
        )
    request = InvoiceRequest.objects.create(
        account=account, requested_by=requested_by, amount=total, title=title, tax_id=tax_id, email=email,
        invoice_type=invoice_type, note=note,
    )
    InvoiceRequestLine.objects.bulk_create(
        [
            InvoiceRequestLine(
                request=request,
                source_type=source_type,
                recharge_id=source_id if source_type == InvoiceSourceType.RECHARGE else None,
                payment_id=source_id if source_type == InvoiceSourceType.CARD_PURCHASE else None,
                amount=amount,
            )
            for source_type, source_id, amount in cleaned
        ]
    )
    return request


def _lock_pending(invoice_request: InvoiceRequest) -> InvoiceRequest:
    locked = InvoiceRequest.objects.select_for_update().get(pk=invoice_request.pk)
    if locked.status != InvoiceStatus.PENDING:
        raise Conflict(f"This invoice request is already {locked.get_status_display()}.", code=Code.INVOICE_DECIDED)
    return locked


def _invoice_number(request: InvoiceRequest, now: datetime) -> str:
    return f"FC{vendor_today(now=now):%Y%m%d}{request.pk:08d}"  # the vendor's day, like its other documents


@transaction.atomic
def invoice_request_issue(
    *, invoice_request: InvoiceRequest, actor: User, note: str = "", now: datetime | None = None
) -> InvoiceRequest:
    """Finance issues the invoice: it gets a number and its PDF (rendered now and kept unchanged); the
    requester is mailed after commit (`invoice_request_decided`)."""
    now = now or timezone.now()
    request = _lock_pending(invoice_request)
    request.status = InvoiceStatus.ISSUED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = (note or "")[:500]
    request.number = _invoice_number(request, now)
    request.pdf = render_invoice_pdf(invoice_request=request)
    request.save()
    invoice_request_decided.send(sender=InvoiceRequest, invoice_request=request)
    return request


@transaction.atomic
def invoice_request_reject(
    *, invoice_request: InvoiceRequest, actor: User, note: str, now: datetime | None = None
) -> InvoiceRequest:
    """Finance rejects the request with a reason; its amounts become invoiceable again."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError("Say why the request is rejected.", code=Code.INVALID, fields={"note": ["Required."]})
    request = _lock_pending(invoice_request)
    request.status = InvoiceStatus.REJECTED
    request.decided_by = actor
    request.decided_at = now or timezone.now()
    request.decision_note = note[:500]
    request.save()
    invoice_request_decided.send(sender=InvoiceRequest, invoice_request=request)
    return request
