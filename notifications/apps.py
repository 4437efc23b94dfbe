from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and alerts"

    def ready(self) -> None:
        from quota.signals import night_settled

        night_settled.connect(_after_night, dispatch_uid="notifications.after_night")


def _after_night(sender, day, account_ids, **kwargs) -> None:
    """After each committed night:
    evaluate high-spending alerts of those accounts for that day
    (a queued task; the daily beat task is the fallback when the broker is unreachable)."""
    import logging

    from notifications.tasks import evaluate_alerts

    try:
        evaluate_alerts.delay(day.isoformat(), list(account_ids))
    except Exception:  # the broker is down: the beat fallback covers it
        logger = logging.getLogger(__name__)
        logger.warning("could not queue notifications.evaluate_alerts for %s", day, exc_info=True)
