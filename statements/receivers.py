"""What statements does when the apps below it send news (connected in StatementsConfig.ready())."""

import logging

from statements.tasks import refresh_monthly_bills

logger = logging.getLogger(__name__)


def after_night(sender, day, account_ids, **kwargs) -> None:
    """After each committed night:
    refresh the monthly bills of those accounts for that day
    (a queued task; the daily beat task is the fallback when the broker is unreachable)."""
    try:
        refresh_monthly_bills.delay(day.isoformat(), list(account_ids))
    except Exception:  # the broker is down: the beat fallback covers it
        logger.warning("could not queue statements.refresh_monthly_bills for %s", day, exc_info=True)
