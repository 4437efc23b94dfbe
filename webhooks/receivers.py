"""The webhooks app listens to the apps below it and turns their news into messages; they never import it.

| signal | event type | data (besides account_id) |
|---|---|---|
| quota.signals.arrears_countdown_started | workspace.countdown_started | workspace_ids |
| quota.signals.workspaces_locked | workspace.locked | workspace_ids |
| payments.signals.arrears_cleared | workspace.unlocked | (none: every workspace of the account is active) |
| quota.signals.night_settled | bill.daily_settled | day, total, charged |
| statements.signals.monthly_bill_finalized | bill.monthly_final | month, total, consumption_total, adjustments_total |
| orders.signals.package_expiring | package.expiring | package_id, plan, starts_on, ends_on, days_before |
| orders.signals.package_renewed | package.renewed | package_id, plan, starts_on, ends_on, renewal {...}, automatic |
| orders.signals.package_expired | package.expired | package_id, plan, starts_on, ends_on, renewed |
| payments.signals.recharge_credited | recharge.credited | recharge_id, amount, method |
| forecasts.signals.warning_opened | alert.quota_threshold / low_balance / budget_threshold | figures (RULES-webhooks) |

A receiver never breaks the transaction that sent the signal: it works in a savepoint and logs a failure.
Connected once in WebhooksConfig.ready().
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.db import transaction

from core.money import money_string
from forecasts import signals as forecasts_signals
from orders import signals as orders_signals
from payments import signals as payments_signals
from quota import signals as quota_signals
from quota.models import Bill
from statements import signals as statements_signals
from webhooks import services
from webhooks.events import EventType

logger = logging.getLogger(__name__)


def _money(value) -> str:
    return money_string(value)


def _safe(receiver: Callable) -> Callable:
    @wraps(receiver)
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                receiver(*args, **kwargs)
        except Exception:
            logger.exception("webhooks: could not queue the messages of %s", receiver.__name__)

    return wrapper


def _workspaces(event_type: str, workspaces_by_account) -> None:
    data = {int(a): {"workspace_ids": sorted(int(w) for w in ids)} for a, ids in workspaces_by_account.items() if ids}
    if data:
        services.webhook_publish_many(event_type=event_type, data_by_account=data)


@_safe
def on_countdown_started(sender, workspaces_by_account, **kwargs) -> None:
    _workspaces(EventType.WORKSPACE_COUNTDOWN_STARTED, workspaces_by_account)


@_safe
def on_workspaces_locked(sender, workspaces_by_account, **kwargs) -> None:
    _workspaces(EventType.WORKSPACE_LOCKED, workspaces_by_account)


@_safe
def on_arrears_cleared(sender, account, **kwargs) -> None:
    services.webhook_publish(account_id=int(getattr(account, "pk", account)), event_type=EventType.WORKSPACE_UNLOCKED,
                             data={})


@_safe
def on_night_settled(sender, day, account_ids, **kwargs) -> None:
    def data(ids: list[int]) -> dict[int, dict]:
        found = {
            bill.account_id: {"day": day.isoformat(), "total": _money(bill.total), "charged": _money(bill.charged)}
            for bill in Bill.objects.filter(account_id__in=ids, day=day)
        }
        return {a: found.get(a, {"day": day.isoformat(), "total": "0.00", "charged": "0.00"}) for a in ids}

    ids = {int(a) for a in account_ids}
    services.webhook_publish_many(
        event_type=EventType.DAILY_BILL_SETTLED, data_by_account=lambda wanted: data([a for a in wanted if a in ids])
    )


@_safe
def on_monthly_bill_finalized(sender, monthly_bill, **kwargs) -> None:
    services.webhook_publish(
        account_id=monthly_bill.account_id, event_type=EventType.MONTHLY_BILL_FINAL,
        data={"month": monthly_bill.month.strftime("%Y-%m"), "total": _money(monthly_bill.total),
              "consumption_total": _money(monthly_bill.consumption_total),
              "adjustments_total": _money(monthly_bill.adjustments_total)},
    )


def _package(package) -> dict:
    return {"package_id": package.pk, "plan": str(getattr(package.plan, "code", "") or package.plan_id),
            "starts_on": package.starts_on.isoformat(), "ends_on": package.ends_on.isoformat()}


@_safe
def on_package_expiring(sender, package, days_before=None, **kwargs) -> None:
    services.webhook_publish(account_id=package.account_id, event_type=EventType.PACKAGE_EXPIRING,
                             data={**_package(package), "days_before": days_before})


@_safe
def on_package_renewed(sender, package, renewal, automatic=False, **kwargs) -> None:
    services.webhook_publish(
        account_id=package.account_id, event_type=EventType.PACKAGE_RENEWED,
        data={**_package(package), "renewal": _package(renewal), "automatic": bool(automatic)},
    )


@_safe
def on_package_expired(sender, package, renewed=False, **kwargs) -> None:
    services.webhook_publish(account_id=package.account_id, event_type=EventType.PACKAGE_EXPIRED,
                             data={**_package(package), "renewed": bool(renewed)})


@_safe
def on_recharge_credited(sender, recharge, **kwargs) -> None:
    services.webhook_publish(
        account_id=recharge.account_id, event_type=EventType.RECHARGE_CREDITED,
        data={"recharge_id": recharge.pk, "amount": _money(recharge.amount), "method": recharge.method},
    )


@_safe
def on_warning_opened(sender, account_id, event_type, data, **kwargs) -> None:
    services.webhook_publish(account_id=int(account_id), event_type=event_type, data=data)


def connect() -> None:
    pairs = [
        (quota_signals.arrears_countdown_started, on_countdown_started),
        (quota_signals.workspaces_locked, on_workspaces_locked),
        (quota_signals.night_settled, on_night_settled),
        (payments_signals.arrears_cleared, on_arrears_cleared),
        (payments_signals.recharge_credited, on_recharge_credited),
        (statements_signals.monthly_bill_finalized, on_monthly_bill_finalized),
        (orders_signals.package_expiring, on_package_expiring),
        (orders_signals.package_renewed, on_package_renewed),
        (orders_signals.package_expired, on_package_expired),
        (forecasts_signals.warning_opened, on_warning_opened),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"webhooks.{receiver.__name__}")
