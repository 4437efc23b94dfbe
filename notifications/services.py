"""Writes of the notifications app: high-spending alert rules and their evaluation, expiry reminders.

Mail goes through `notifications.mail` (the project's one sender)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.exceptions import ApplicationError, Unprocessable
from core.money import MAX_REQUEST_AMOUNT, ZERO, parse_amount
from core.parsing import parse_id
from notifications.error_codes import NotificationsErrorCode as Code
from notifications.mail import owner_emails, send_email
from notifications.models import AlertEvent, AlertRule, ExpiryReminder
from payments.models import CardStatus, PrepaidCard, Voucher, VoucherStatus
from plans.models import BillingItem
from quota.models import BillLine
from workspaces.models import Account, Membership, Workspace

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Spent(TypedDict):
    spent: Decimal

logger = logging.getLogger(__name__)

__all__ = [
    "alert_rule_create",
    "alert_rule_delete",
    "alert_rule_update",
    "alerts_evaluate_day",
    "expiry_reminders_send",
]

EXPIRY_WINDOW = timedelta(days=7)


# --------------------------------------------------------------------------------------------------------------
# alert rules


def _threshold(raw: object) -> Decimal:
    try:
        value = parse_amount(raw)
    except ValueError as error:
        raise ApplicationError(str(error), code=Code.INVALID, fields={"threshold": [str(error)]}) from None
    if value > MAX_REQUEST_AMOUNT:  # pragma: no cover - parse_amount already refuses it
        raise ApplicationError("The threshold is too large.", code=Code.INVALID, fields={"threshold": ["Too large."]})
    return value


def _recipients(account: Account, recipient_ids: Iterable[int]) -> list[Membership]:
    ids = set()
    for raw in recipient_ids:
        recipient_id = parse_id(raw)  # a JSON/Python int or ASCII digits (core.parsing)
        if recipient_id is not None:
            ids.add(recipient_id)
        else:
            raise ApplicationError(
                "Unknown recipient.", code=Code.INVALID, fields={"recipients": ["Unknown member."]}
            )
    members = list(Membership.objects.filter(account=account, pk__in=ids))
    if len(members) != len(ids):
        raise Unprocessable(
            "Recipients must be members of this account.",
            code=Code.ALERT_RECIPIENT_OUTSIDE_ACCOUNT, fields={"recipients": ["Not a member of this account."]},
        )
    return members


@transaction.atomic
def alert_rule_create(
    *,
    account: Account,
    actor: User,
    workspace_id: int,
    billing_item_id: int | None,
    threshold: object,
    recipient_ids: Iterable[int] = (),
) -> AlertRule:
    """A daily threshold for one of the account's workspaces, in total (no billing item) or for one item."""
    workspace = Workspace.objects.for_account(account).filter(pk=workspace_id).first()
    if workspace is None:
        raise Unprocessable(
            "Choose one of this account's workspaces.", code=Code.ALERT_UNKNOWN_WORKSPACE,
            fields={"workspace": ["Unknown workspace."]},
        )
    item = None
    if billing_item_id:
        item = BillingItem.objects.filter(pk=billing_item_id).first()
        if item is None:
            raise ApplicationError("Unknown billing item.", code=Code.INVALID, fields={"billing_item": ["Unknown."]})
    value = _threshold(threshold)
    members = _recipients(account, recipient_ids)
    try:
        with transaction.atomic():
            rule = AlertRule.objects.create(
                account=account, workspace=workspace, billing_item=item, threshold=value, created_by=actor
            )
    except IntegrityError:
        raise ApplicationError(
            "This workspace already has an alert for this billing item; edit it instead.",
            code=Code.ALERT_DUPLICATE, status=409,
        ) from None
    rule.recipients.set(members)
    return rule


@transaction.atomic
def alert_rule_update(
    *, rule: AlertRule, threshold: object, recipient_ids: Iterable[int], is_active: bool = True
) -> AlertRule:
    value = _threshold(threshold)
    members = _recipients(rule.account, recipient_ids)
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    rule.threshold = value
    rule.is_active = bool(is_active)
    rule.save(update_fields=["threshold", "is_active", "updated_at"])
    rule.recipients.set(members)
    return rule


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule) -> None:
    rule.delete()


def _spent_subquery(day: date, by_item: bool):
    lines = BillLine.objects.filter(day=day, bill__day=day, bill__account=OuterRef("account"),
                                    workspace=OuterRef("workspace"))
    if by_item:
        lines = lines.filter(billing_item=OuterRef("billing_item"))
    return Coalesce(
        Subquery(lines.values("workspace").annotate(s=Sum("amount")).values("s")[:1]),
        ZERO,
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def alerts_evaluate_day(*, day: date, account_ids: Iterable[int] | None = None) -> int:
    """After a night: every active rule whose workspace (or workspace and item) spent more than its threshold
    on `day` fires once (AlertEvent is unique per rule, workspace and day; a second evaluation of the same day
    sends nothing). Set-based: one query per rule kind finds the rules that cross. Returns alerts sent."""
    rules = AlertRule.objects.filter(is_active=True).exclude(events__day=day)
    if account_ids is not None:
        rules = rules.filter(account_id__in=list(account_ids))
    crossing: list[WithAnnotations[AlertRule, _Spent]] = []
    for by_item in (False, True):
        subset = rules.filter(billing_item__isnull=not by_item).annotate(spent=_spent_subquery(day, by_item))
        crossing.extend(
            subset.filter(spent__gt=F("threshold")).select_related("account", "workspace", "billing_item")
        )
    sent = 0
    for rule in crossing:
        with transaction.atomic():
            members = list(rule.recipients.select_related("user").all())
            emails = set(owner_emails(rule.account)) | {m.user.email for m in members if m.user.email}
            try:
                with transaction.atomic():
                    AlertEvent.objects.create(
                        rule=rule, account=rule.account, workspace=rule.workspace, billing_item=rule.billing_item,
                        day=day, amount=rule.spent, threshold=rule.threshold, recipients="\n".join(sorted(emails)),
                    )
            except IntegrityError:
                continue  # already fired for this day (a concurrent evaluation)
            send_email(
                to=sorted(emails),
                subject_template="email/high_spending_alert_subject.txt",
                body_template="email/high_spending_alert_body.txt",
                context={"rule": rule, "account": rule.account, "workspace": rule.workspace,
                         "billing_item": rule.billing_item, "day": day, "amount": rule.spent,
                         "threshold": rule.threshold},
            )
            sent += 1
    return sent


# --------------------------------------------------------------------------------------------------------------
# expiry reminders


def expiry_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each account's owners of its prepaid cards and vouchers with a balance that expire within 7
    days; each instrument is reminded once (ExpiryReminder is unique per card and per voucher). Returns the
    number of emails sent."""
    now = now or timezone.now()
    until = now + EXPIRY_WINDOW
    cards = (
        PrepaidCard.objects.filter(status=CardStatus.ACTIVE, balance__gt=0, expires_at__gt=now, expires_at__lte=until)
        .filter(expiry_reminder__isnull=True)
        .order_by("account_id", "expires_at", "pk")
    )
    vouchers = (
        Voucher.objects.filter(status=VoucherStatus.ACTIVE, balance__gt=0, valid_until__gt=now, valid_until__lte=until)
        .filter(expiry_reminder__isnull=True, account__isnull=False)
        .order_by("account_id", "valid_until", "pk")
    )
    by_account: dict[int, dict[str, list]] = {}
    for card in cards:
        by_account.setdefault(card.account_id, {"cards": [], "vouchers": []})["cards"].append(card)
    for voucher in vouchers:
        by_account.setdefault(voucher.account_id, {"cards": [], "vouchers": []})["vouchers"].append(voucher)
    accounts = Account.objects.in_bulk(list(by_account))
    sent = 0
    for account_id, found in by_account.items():
        account = accounts[account_id]
        with transaction.atomic():
            fresh_cards, fresh_vouchers = [], []
            for card in found["cards"]:
                try:
                    with transaction.atomic():
                        ExpiryReminder.objects.create(
                            account=account, card=card, expires_at=card.expires_at, balance=card.balance
                        )
                except IntegrityError:
                    continue
                fresh_cards.append(card)
            for voucher in found["vouchers"]:
                try:
                    with transaction.atomic():
                        ExpiryReminder.objects.create(
                            account=account, voucher=voucher, expires_at=voucher.valid_until,
                            balance=voucher.balance,
                        )
                except IntegrityError:
                    continue
                fresh_vouchers.append(voucher)
            if not (fresh_cards or fresh_vouchers):
                continue
            send_email(
                to=owner_emails(account),
                subject_template="email/expiring_subject.txt",
                body_template="email/expiring_body.txt",
                context={"account": account, "cards": fresh_cards, "vouchers": fresh_vouchers},
            )
            sent += 1
    return sent
