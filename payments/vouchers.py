"""Vouchers: finance issues ordinary vouchers and batches of activation codes; an owner activates a code."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.money import ZERO
from payments import ledger
from payments.amounts import checked_amount
from payments.error_codes import PaymentsErrorCode as Code
from payments.ledger import actor_or_none
from payments.locks import lock_voucher_by_code, lock_wallet
from payments.models import BalanceKind, LedgerReason, Voucher, VoucherCodeBatch, VoucherKind, VoucherStatus
from workspaces.models import Account

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 16
MAX_BATCH = 10_000


def _window(valid_from: datetime | None, valid_until: datetime | None) -> tuple[datetime, datetime]:
    start = valid_from or timezone.now()
    if valid_until is None or valid_until <= start:
        raise ApplicationError(_("The validity window must end after it starts."), code=Code.INVALID_WINDOW,
                               fields={"valid_until": [_("Must be after valid from.")]})
    if valid_until <= timezone.now():
        raise ApplicationError(_("The validity window has already ended."), code=Code.INVALID_WINDOW,
                               fields={"valid_until": [_("Must be in the future.")]})
    return start, valid_until


def voucher_issue(
    *, account: Account, face_value: Any, valid_until: datetime, actor: User | None,
    valid_from: datetime | None = None, memo: str = "",
) -> Voucher:
    """Finance issues an ordinary voucher to an account (ledger VOUCHER_ISSUED)."""
    value = checked_amount(face_value, what=_("Face value"))
    start, end = _window(valid_from, valid_until)
    actor = actor_or_none(actor)
    with transaction.atomic():
        lock_wallet(account.pk)
        voucher = Voucher.objects.create(
            account=account, kind=VoucherKind.ORDINARY, status=VoucherStatus.ACTIVE, face_value=value,
            balance=value, valid_from=start, valid_until=end, issued_by=actor,
        )
        ledger.entry(account_id=account.pk, kind=BalanceKind.VOUCHER, voucher=voucher, amount=value,
                     balance_after=value, reason=LedgerReason.VOUCHER_ISSUED, source_type="voucher_issue",
                     source_id=voucher.pk, actor=actor, memo=memo or "Issued by finance").save()
    return voucher


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: Any) -> str:
    return "".join(ch for ch in str(raw or "").upper() if ch.isalnum())


def voucher_batch_generate(
    *, name: str, face_value: Any, quantity: int, valid_until: datetime, actor: User,
    valid_from: datetime | None = None,
) -> VoucherCodeBatch:
    """Finance generates `quantity` unused activation codes (Vouchers without account or balance)."""
    value = checked_amount(face_value, what=_("Face value"))
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("The batch needs a name."), code=Code.INVALID, fields={"name": [_("Required.")]})
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_BATCH:
        raise ApplicationError(_("Generate between 1 and %(max)s codes.") % {"max": MAX_BATCH},
                               code=Code.INVALID_QUANTITY,
                               fields={"quantity": [_("1 to %(max)s.") % {"max": MAX_BATCH}]})
    start, end = _window(valid_from, valid_until)
    with transaction.atomic():
        batch = VoucherCodeBatch.objects.create(name=name[:200], face_value=value, quantity=quantity,
                                                valid_from=start, valid_until=end, created_by=actor)
        codes: set[str] = set()
        while len(codes) < quantity:
            codes.add(_new_code())
        taken = set(Voucher.objects.filter(code__in=codes).values_list("code", flat=True))
        while taken:  # astronomically unlikely
            codes -= taken
            while len(codes) < quantity:
                codes.add(_new_code())
            taken = set(Voucher.objects.filter(code__in=codes).values_list("code", flat=True))
        Voucher.objects.bulk_create([
            Voucher(account=None, kind=VoucherKind.ORDINARY, status=VoucherStatus.UNACTIVATED, face_value=value,
                    balance=ZERO, valid_from=start, valid_until=end, code=code, batch=batch, issued_by=actor)
            for code in sorted(codes)
        ])
    return batch


def voucher_activate(*, account: Account, code: Any, actor: User | None) -> Voucher:
    """An owner enters an activation code: the unactivated voucher gets the account and its face value (ledger
    VOUCHER_ACTIVATED). Unknown code: 404 "unknown_code"; already used: 409 "code_used"; ended: 422
    "code_expired"."""
    normalized = normalize_code(code)
    if not normalized or len(normalized) > 32:
        raise ApplicationError(_("Enter an activation code."), code=Code.INVALID_CODE,
                               fields={"code": [_("Required.")]})
    actor = actor_or_none(actor)
    now = timezone.now()
    with transaction.atomic():
        lock_wallet(account.pk)
        voucher = lock_voucher_by_code(normalized)
        if voucher is None:
            raise ApplicationError(_("This activation code does not exist. Check it and try again."),
                                   code=Code.UNKNOWN_CODE, status=404, fields={"code": [_("Unknown code.")]})
        if voucher.status != VoucherStatus.UNACTIVATED:
            raise Conflict(_("This activation code has already been used."), code=Code.CODE_USED,
                           fields={"code": [_("Already used.")]})
        if voucher.valid_until <= now:
            raise Unprocessable(_("This activation code has expired."), code=Code.CODE_EXPIRED,
                                fields={"code": [_("Expired.")]})
        voucher.account = account
        voucher.balance = voucher.face_value
        voucher.status = VoucherStatus.ACTIVE
        voucher.activated_at = now
        voucher.activated_by = actor
        voucher.save(update_fields=["account", "balance", "status", "activated_at", "activated_by"])
        ledger.entry(account_id=account.pk, kind=BalanceKind.VOUCHER, voucher=voucher, amount=voucher.face_value,
                     balance_after=voucher.face_value, reason=LedgerReason.VOUCHER_ACTIVATED,
                     source_type="voucher_code", source_id=voucher.pk, actor=actor).save()
    return voucher
