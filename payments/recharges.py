"""Recharges of the cash balance: online through a payment gateway (and the gateway's callbacks), offline by a
bank transfer that finance confirms or rejects. Cash is credited exactly once per recharge, under the wallet's
lock and then the recharge's (payments/locks.py)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, Conflict
from payments.amounts import checked_amount
from payments.error_codes import CallbackOutcomeCode as Outcome
from payments.error_codes import PaymentsErrorCode as Code
from payments.gateways import CallbackRejected, default_provider, get_gateway, online_payment_available
from payments.gateways.base import stored_callback_payload
from payments.ledger import actor_or_none
from payments.locks import lock_recharge
from payments.models import GatewayCallback, LedgerReason, Recharge, RechargeMethod, RechargeStatus
from payments.signals import recharge_credited
from payments.tenders import cash_credit
from payments.throttling import callback_rejection_allowed
from workspaces.models import Account

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


def recharge_start_online(
    *, account: Account, amount: Any, actor: User, provider: str | None = None
) -> tuple[Recharge, str]:
    """A pending online recharge and the gateway URL where the payer pays it."""
    value = checked_amount(amount, what=_("Amount"))
    if not online_payment_available():
        raise Conflict(_("Online payment is not configured on this Fee Center. Use an offline remittance (bank "
                         "transfer) instead."), code=Code.ONLINE_PAYMENT_UNAVAILABLE,
                       fields={"method": [_("Online payment is not configured.")]})
    provider = provider or default_provider()
    gateway = get_gateway(provider)
    if gateway is None:
        raise ApplicationError(_("Unknown payment provider %(provider)s.") % {"provider": repr(provider)},
                               code=Code.UNKNOWN_PROVIDER, fields={"provider": [_("Unknown provider.")]})
    recharge = Recharge.objects.create(
        # a provider with a gateway is a name
        account=account, method=RechargeMethod.ONLINE, amount=value, provider=cast(str, provider),
        gateway_reference=f"R{secrets.token_hex(15)}", requested_by=actor,
    )
    return recharge, gateway.create_payment(recharge)  # outside any lock


def recharge_submit_offline(*, account: Account, amount: Any, transfer_reference: str, actor: User) -> Recharge:
    """The owner declares a bank transfer; finance confirms or rejects it in admin."""
    value = checked_amount(amount, what=_("Amount"))
    reference = (transfer_reference or "").strip()
    if not reference or len(reference) > 100:
        raise ApplicationError(_("Enter the bank transfer reference (at most 100 characters)."),
                               code=Code.INVALID_TRANSFER_REFERENCE, fields={"transfer_reference": [_("Required.")]})
    return Recharge.objects.create(account=account, method=RechargeMethod.OFFLINE, amount=value,
                                   transfer_reference=reference, requested_by=actor)


def _recharge_succeed(recharge: Recharge, actor: User | None) -> None:
    recharge.status = RechargeStatus.SUCCEEDED
    recharge.completed_at = timezone.now()
    recharge.decided_by = actor
    recharge.save(update_fields=["status", "completed_at", "decided_by", "decision_note"])
    cash_credit(account=recharge.account, amount=recharge.amount, reason=LedgerReason.RECHARGE,
                source_type="recharge", source_id=recharge.pk, actor=actor,
                memo=recharge.transfer_reference or recharge.provider)
    recharge_credited.send(sender=Recharge, recharge=recharge)


def recharge_confirm(*, recharge: Recharge, actor: User, note: str = "") -> Recharge:
    """Finance confirms an offline remittance: cash credited exactly once (arrears repaid first)."""
    acting = actor_or_none(actor)
    with transaction.atomic():
        locked = lock_recharge(recharge.pk, account_id=recharge.account_id)
        if locked.method != RechargeMethod.OFFLINE:
            raise Conflict(_("Only offline remittances are confirmed by finance."), code=Code.NOT_OFFLINE)
        if locked.status != RechargeStatus.PENDING:
            raise Conflict(_("This remittance is already %(status)s.")
                           % {"status": locked.get_status_display().lower()}, code=Code.ALREADY_DECIDED)
        locked.decision_note = (note or "").strip()[:500]
        _recharge_succeed(locked, acting)
    return locked


def recharge_reject(*, recharge: Recharge, actor: User, note: str) -> Recharge:
    """Finance rejects an offline remittance (a reason is required); nothing is credited."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Say why the remittance is rejected."), code=Code.REASON_REQUIRED,
                               fields={"note": [_("Required.")]})
    with transaction.atomic():
        locked = lock_recharge(recharge.pk, account_id=recharge.account_id)
        if locked.method != RechargeMethod.OFFLINE:
            raise Conflict(_("Only offline remittances are rejected by finance."), code=Code.NOT_OFFLINE)
        if locked.status != RechargeStatus.PENDING:
            raise Conflict(_("This remittance is already %(status)s.")
                           % {"status": locked.get_status_display().lower()}, code=Code.ALREADY_DECIDED)
        locked.status = RechargeStatus.REJECTED
        locked.decided_by = actor_or_none(actor)
        locked.decision_note = note[:500]
        locked.save(update_fields=["status", "decided_by", "decision_note"])
    return locked


@dataclass(frozen=True)
class CallbackOutcome:
    status_code: int  # what to answer the gateway
    outcome: str
    message: str
    recharge: Recharge | None = None


def _log_callback(provider: str, data: Mapping[str, Any], valid: bool, outcome: str,
                  recharge: Recharge | None = None) -> None:
    payload = stored_callback_payload(data)  # bounded: a few hundred bytes, or a prefix + size + hash
    GatewayCallback.objects.create(provider=provider[:32], payload=payload, signature_valid=valid, outcome=outcome,
                                   recharge=recharge)


def gateway_callback_handle(*, provider: str, data: Mapping[str, Any]) -> CallbackOutcome:
    """A gateway's callback. A bad signature, a stale timestamp, an unknown reference or a wrong amount answer
    400 and change nothing but the GatewayCallback log. A success moves the Recharge pending (or failed) ->
    succeeded once (row lock) and credits cash; replays and concurrent duplicates answer 200 and credit nothing."""
    if not isinstance(data, Mapping):
        data = {}
    gateway = get_gateway(provider)
    if gateway is None:  # unknown or switched off (the sandbox): nothing stored, anyone can post here
        logger.warning("callback for unknown payment provider %r", provider[:32])
        return CallbackOutcome(404, Outcome.UNKNOWN_PROVIDER, "Unknown payment provider.")
    try:
        result = gateway.verify_callback(data)
    except CallbackRejected as rejected:
        logger.warning("gateway %s callback rejected: %s", provider, rejected.outcome)
        signed = rejected.outcome not in ("bad_signature", "malformed")
        # Only unsigned/forged callbacks count against the provider's bucket (payments/throttling.py).
        if not signed and not callback_rejection_allowed(provider):
            return CallbackOutcome(429, Outcome.TOO_MANY_REJECTED_CALLBACKS,
                                   "Too many rejected callbacks for this provider; try again in a minute.")
        _log_callback(provider, data, signed, rejected.outcome)
        return CallbackOutcome(400, rejected.outcome, rejected.message)
    recharge = Recharge.objects.filter(provider=provider, gateway_reference=result.reference,
                                       method=RechargeMethod.ONLINE).first()
    if recharge is None:
        _log_callback(provider, data, True, Outcome.UNKNOWN_REFERENCE)
        return CallbackOutcome(400, Outcome.UNKNOWN_REFERENCE, "No such payment.")
    with transaction.atomic():
        locked = lock_recharge(recharge.pk, account_id=recharge.account_id)
        # A success after a failure is the bank taking the money on a retry: it must still be credited (once,
        # under this lock). Anything else on a decided recharge is a duplicate or a conflict and changes nothing.
        late_success = locked.status == RechargeStatus.FAILED and result.succeeded
        if locked.status != RechargeStatus.PENDING and not late_success:
            already = locked.status
            outcome = (Outcome.DUPLICATE if (already == RechargeStatus.SUCCEEDED) == result.succeeded
                       else Outcome.CONFLICTING)
            _log_callback(provider, data, True, outcome, locked)
            return CallbackOutcome(200, outcome, f"Already {already}.", locked)
        if result.amount != locked.amount:
            _log_callback(provider, data, True, Outcome.AMOUNT_MISMATCH, locked)
            return CallbackOutcome(400, Outcome.AMOUNT_MISMATCH, "The paid amount differs from the recharge.", locked)
        if result.succeeded:
            _recharge_succeed(locked, None)
            outcome = Outcome.SUCCEEDED
        else:
            locked.status = RechargeStatus.FAILED
            locked.save(update_fields=["status"])
            outcome = Outcome.FAILED
        _log_callback(provider, data, True, outcome, locked)
    return CallbackOutcome(200, outcome, "OK", locked)
