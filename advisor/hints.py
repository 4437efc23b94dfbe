"""The home page's line "a package would have saved money in the last 30 days": the advisor's replay of the
last HINT_DAYS days for every Commercial workspace, kept in the cache for the account's day (one replay a day
per account, not one per visit).

The page never replays: `cached_hint` only reads the cache. On a miss the page queues `advisor.compute_hint`
(once per account and day: a marker in the cache) and shows the line from the next visit on; a worker runs
`hint_refresh`. A year of history made the replay take about a second, which the first visit of the day paid."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.utils.translation import gettext
from redis.exceptions import RedisError

from advisor.replay import advise, default_workspaces
from core.days import account_today
from workspaces.models import Account

HINT_DAYS = 30
HINT_SECONDS = 6 * 3600
HINT_QUEUED_SECONDS = 600  # a lost task is queued again after this


@dataclass(frozen=True)
class Hint:
    """Kept in the cache for everyone who opens the home page that day, whatever their language: the plan's
    stored (untranslated) name, translated when the line is shown."""

    plan_name: str
    with_traffic: bool
    saving: Decimal  # per year, against the current setup

    @property
    def label(self) -> str:
        name = gettext(self.plan_name)
        return gettext("%(plan)s with traffic add-ons") % {"plan": name} if self.with_traffic else name


def _compute(account: Account) -> Hint | None:
    workspaces = default_workspaces(account)
    if not workspaces:
        return None
    advice = advise(account=account, days=HINT_DAYS, workspaces=workspaces)
    if advice.too_short:
        return None
    best = advice.candidates[0]
    if best.kind != "plan" or best.saving_vs_current <= 0:
        return None
    assert best.plan is not None
    return Hint(plan_name=best.plan.name, with_traffic=bool(best.traffic), saving=best.saving_vs_current)


def _key(account: Account) -> str:
    return f"advisor:hint:v2:{account.pk}:{account_today(account).isoformat()}"


def cached_hint(account: Account) -> Hint | bool | None:
    """The day's hint from the cache: a Hint, None when the replay found no better package, False when it has not
    run yet today (or the cache is down)."""
    try:
        cached = cache.get(_key(account))
    except (RedisError, OSError):  # the cache is down: the home page serves without the line
        return None
    if cached is None:
        return False
    return cached if isinstance(cached, Hint) else None


def hint_wanted(account: Account) -> bool:
    """True once per account and day (and again after HINT_QUEUED_SECONDS): whether the caller should queue the
    replay. False while one is queued or the cache is down."""
    try:
        return bool(cache.add(f"{_key(account)}:queued", 1, HINT_QUEUED_SECONDS))
    except (RedisError, OSError):
        return False


def hint_refresh(account: Account) -> Hint | None:
    """Replay the last 30 days and keep the result for the day (the worker's side)."""
    hint = _compute(account)
    with contextlib.suppress(RedisError, OSError):  # the cache is down: the next visit queues it again
        cache.set(_key(account), hint or "none", HINT_SECONDS)
    return hint
