"""The home page's line "a package would have saved money in the last 30 days": the advisor's replay of the
last HINT_DAYS days for every Commercial workspace, kept in the cache for the account's day (one replay a day
per account, not one per visit)."""

from __future__ import annotations

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


def package_hint(account: Account) -> Hint | None:
    """The best package of the last 30 days when it beats the current setup (None otherwise), cached."""
    key = f"advisor:hint:v2:{account.pk}:{account_today(account).isoformat()}"
    try:
        cached = cache.get(key)
        if cached is None:
            cached = _compute(account) or "none"
            cache.set(key, cached, HINT_SECONDS)
    except (RedisError, OSError):  # the cache is down: the home page serves without the line (no replay per visit)
        return None
    return cached if isinstance(cached, Hint) else None
