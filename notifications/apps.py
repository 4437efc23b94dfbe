import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quota.signals import night_settled

logger = logging.getLogger(__name__)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications and alerts")

    def ready(self) -> None:
        # App loading: these import models, which exist only once the registry is ready.
        from notifications import receivers

        receivers.connect()
        night_settled.connect(_after_night, dispatch_uid="notifications.after_night")


def _after_night(sender, day, account_ids, **kwargs) -> None:
    """After each committed night:
    evaluate high-spending alerts of those accounts for that day
    (a queued task; the daily beat task is the fallback when the broker is unreachable)."""
    from notifications.tasks import evaluate_alerts  # models are not importable when this module loads

    try:
        evaluate_alerts.delay(day.isoformat(), list(account_ids))
    except Exception:  # the broker is down: the beat fallback covers it
        logger.warning("could not queue notifications.evaluate_alerts for %s", day, exc_info=True)
