"""`advisor_hint` for the home page: a callable, so the cache is read only where a template reads it. The page
never replays: on a miss it queues the day's replay (advisor/hints.py) and shows the line from the next visit."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from advisor.hints import Hint, cached_hint, hint_wanted
from advisor.tasks import compute_hint
from workspaces.context_processors import billing_membership
from workspaces.models import Account

logger = logging.getLogger(__name__)


def package_hint(account: Account) -> Hint | None:
    hint = cached_hint(account)
    if hint is not False:
        return hint if isinstance(hint, Hint) else None
    if hint_wanted(account):
        try:
            compute_hint.delay(account.pk)
        except Exception:  # the broker is down: the line is simply not shown
            logger.warning("could not queue advisor.compute_hint for account %s", account.pk, exc_info=True)
    hint = cached_hint(account)  # filled already when tasks run eagerly (tests, the demo)
    return hint if isinstance(hint, Hint) else None


def advisor_hint(request) -> dict[str, Any]:
    membership = billing_membership(request)
    if membership is None:
        return {}
    return {"advisor_hint": partial(package_hint, membership.account)}
