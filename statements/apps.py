import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quota.signals import night_settled

logger = logging.getLogger(__name__)


class StatementsConfig(AppConfig):
    name = "statements"
    verbose_name = _("Monthly bills and invoices")

    def ready(self) -> None:
        night_settled.connect(_after_night, dispatch_uid="statements.after_night")


def _after_night(sender, day, account_ids, **kwargs) -> None:
    """After each committed night:
    refresh the monthly bills of those accounts for that day
    (a queued task; the daily beat task is the fallback when the broker is unreachable)."""
    from statements.tasks import refresh_monthly_bills  # models are not importable when this module loads

    try:
        refresh_monthly_bills.delay(day.isoformat(), list(account_ids))
    except Exception:  # the broker is down: the beat fallback covers it
        logger.warning("could not queue statements.refresh_monthly_bills for %s", day, exc_info=True)
