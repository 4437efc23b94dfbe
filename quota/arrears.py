"""Arrears (docs/RULES-quota.md "Arrears"): the countdown that a night starts for an account left in arrears,
the reminder a few days before its end, the lock when it is over, and the unlock the moment the arrears are
paid.

quota decides WHICH workspaces; `workspaces.services` writes their status (set-based). The owners are told by
the signals of `quota.signals` (sent inside the transaction; the notifications app mails after commit):
quota never builds nor sends mail itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from core.models import FinanceSettings
from payments.models import Wallet
from quota.signals import arrears_countdown_started, arrears_reminder_due, workspaces_locked
from workspaces import services as workspace_services
from workspaces.models import Workspace, WorkspaceStatus

logger = logging.getLogger(__name__)


def _announce(signal: Signal, workspaces_by_account: dict[int, list[int]]) -> None:
    """Send an arrears signal ({account id: [workspace ids]}, sender Workspace). A failing receiver is logged
    and never undoes the night or the sweep that sent it."""
    if not workspaces_by_account:
        return
    for receiver, response in signal.send_robust(sender=Workspace, workspaces_by_account=workspaces_by_account):
        if isinstance(response, Exception):
            logger.error("arrears signal receiver %r failed", receiver, exc_info=response)


def countdowns_start(*, account_ids: Iterable[int]) -> int:
    """After a night's settlement (wallets locked by the caller): every active commercial workspace of these
    accounts that are now in arrears starts the countdown; `arrears_countdown_started` is sent for them.
    Workspaces already counting down or locked are left alone (a re-run restarts nothing, mails nobody).
    Returns the number of workspaces whose countdown started."""
    in_arrears = list(
        Wallet.objects.filter(account_id__in=list(account_ids), arrears__gt=0)
        .order_by("account_id")
        .values_list("account_id", flat=True)
    )
    started = workspace_services.workspaces_start_countdown(account_ids=in_arrears)
    _announce(arrears_countdown_started, started)
    return sum(len(ids) for ids in started.values())


def workspaces_unlock(*, account_id: int) -> int:
    """Arrears paid: every workspace of the account in countdown or locked is active again, at once."""
    return workspace_services.workspaces_unlock(account_ids=[account_id])


def arrears_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The daily arrears task: reminders N days before the end of the countdown, locks after it, and
    countdowns of accounts whose arrears are already paid are cleared. Set-based."""
    now = now or timezone.now()
    settings = FinanceSettings.load()
    length = timedelta(days=settings.arrears_countdown_days)
    remind_at = length - timedelta(days=settings.arrears_reminder_days_before)
    with transaction.atomic():
        cleared = (
            Workspace.objects.filter(
                status__in=[WorkspaceStatus.COUNTDOWN, WorkspaceStatus.LOCKED], account__wallet__arrears__lte=0
            )
            .values_list("account_id", flat=True)
            .distinct()
        )
        unlocked = workspace_services.workspaces_unlock(account_ids=list(cleared))
        locked = workspace_services.workspaces_lock(
            workspace_ids=Workspace.objects.filter(
                status=WorkspaceStatus.COUNTDOWN, countdown_started_at__lte=now - length
            ).values_list("pk", flat=True),
            at=now,
        )
        _announce(workspaces_locked, locked)
        reminded = workspace_services.workspaces_mark_reminded(
            workspace_ids=Workspace.objects.filter(
                status=WorkspaceStatus.COUNTDOWN,
                countdown_reminded_at__isnull=True,
                countdown_started_at__lte=now - remind_at,
            ).values_list("pk", flat=True),
            at=now,
        )
        _announce(arrears_reminder_due, reminded)
    return {
        "unlocked": unlocked,
        "locked": sum(len(ids) for ids in locked.values()),
        "reminded": sum(len(ids) for ids in reminded.values()),
    }
