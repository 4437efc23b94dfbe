"""The forecasts app listens to the apps below it; they never import it.

- quota's `night_settled(day, account_ids)`: after each committed night, the warnings of those accounts are
  evaluated (a queued task; the daily beat fallback of notifications does not cover them, a missed night is
  caught up by the next one, which sees the same or later figures).
- payments' `recharge_credited`: after commit, the low-balance rules of that account are evaluated again (cheap:
  one wallet read and the runway walk), so a recharge clears the warning at once.
- workspaces' Account `post_save` (created): the default rules.

Connected once in ForecastsConfig.ready()."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save

from forecasts import services, tasks
from forecasts.models import WarningKind
from payments import signals as payments_signals
from quota import signals as quota_signals
from workspaces.models import Account

logger = logging.getLogger(__name__)


def on_night_settled(sender, day, account_ids, **kwargs) -> None:
    ids = [int(a) for a in account_ids]
    if not ids:
        return
    try:
        tasks.evaluate_warnings.delay(day.isoformat(), ids)
    except Exception:  # the broker is down: the next night evaluates again
        logger.warning("could not queue forecasts.evaluate_warnings for %s", day, exc_info=True)


def on_recharge_credited(sender, recharge, **kwargs) -> None:
    account_id = recharge.account_id

    def evaluate() -> None:
        account = Account.objects.filter(pk=account_id).first()
        if account is None:
            return
        try:
            services.warnings_evaluate(account=account, kinds=[WarningKind.LOW_BALANCE])
        except Exception:
            logger.exception("forecasts: could not evaluate the low-balance warnings of account %s", account_id)

    transaction.on_commit(evaluate)


def on_account_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        services.warning_rules_create_defaults(account=instance)


def connect() -> None:
    quota_signals.night_settled.connect(on_night_settled, dispatch_uid="forecasts.night_settled")
    payments_signals.recharge_credited.connect(on_recharge_credited, dispatch_uid="forecasts.recharge_credited")
    post_save.connect(on_account_saved, sender=Account, dispatch_uid="forecasts.account_defaults")
