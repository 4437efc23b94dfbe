"""Writes of the forecasts app: warning rules (create, update, delete, the defaults) and their evaluation.

Evaluation (`warnings_evaluate`) opens an episode when a rule's condition holds and none is open for that rule and
subject (the partial unique constraint is the guard), mails the active owners and administrators through
notifications.mail, and sends `forecasts.signals.warning_opened` (webhooks turns it into a signed event). An open
episode whose condition no longer holds is closed; nothing is sent then."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from core import days
from core.exceptions import ApplicationError, Unprocessable
from core.money import money_string, parse_amount
from core.parsing import parse_id
from forecasts import signals
from forecasts.error_codes import ForecastsErrorCode as Code
from forecasts.models import BUDGET_STEPS, WarningEpisode, WarningKind, WarningRule
from forecasts.selectors import month_forecast
from notifications.mail import billing_emails, recipients_by_language, send_email
from orders.models import Package
from plans.models import BillingItem
from quota.selectors import PACKAGE_QUOTA
from workspaces.models import Account, Workspace

logger = logging.getLogger(__name__)

DEFAULT_QUOTA_PERCENTS = (80, 100)
DEFAULT_RUNWAY_DAYS = 7


# --------------------------------------------------------------------------------------------------------------
# rules


def _invalid(name: str, message: str) -> ApplicationError:
    return ApplicationError(message, code=Code.INVALID, fields={name: [message]})


def _whole(raw: object, name: str, low: int, high: int, *, optional: bool = False) -> int | None:
    if optional and (raw is None or raw == ""):
        return None
    value = raw if isinstance(raw, int) and not isinstance(raw, bool) else parse_id(raw)
    if value is None or not low <= value <= high:
        raise _invalid(name, _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high})
    return value


def _money(raw: object, name: str, *, optional: bool = False) -> Decimal | None:
    if optional and (raw is None or raw == ""):
        return None
    try:
        return parse_amount(raw)
    except ValueError:
        raise _invalid(
            name, _("Enter an amount greater than zero, with at most two decimal places and at most 100,000,000.")
        ) from None


@dataclass
class RuleInput:
    """What a person may set on a rule (the page and the API fill it; the service validates every field)."""

    kind: str
    is_active: bool = True
    percent: object = None
    package_id: object = None
    billing_item_id: object = None
    consecutive_days: object = 1
    runway_days: object = None
    balance_below: object = None
    name: str = ""
    budget: object = None
    workspace_ids: Iterable[object] = field(default_factory=list)


def _clean(account: Account, data: RuleInput) -> tuple[dict[str, Any], list[Workspace]]:
    if data.kind not in WarningKind.values:
        raise _invalid("kind", _("Choose a kind of warning."))
    values: dict[str, Any] = {
        "kind": data.kind, "is_active": bool(data.is_active), "percent": None, "package": None,
        "billing_item": None, "consecutive_days": 1, "runway_days": None, "balance_below": None, "name": "",
        "budget": None,
    }
    chosen: list[Workspace] = []
    if data.kind == WarningKind.QUOTA:
        values["percent"] = _whole(data.percent, "percent", 1, 1000)
        values["consecutive_days"] = _whole(data.consecutive_days or 1, "consecutive_days", 1, 31)
        if data.package_id not in (None, ""):
            package_id = parse_id(data.package_id)
            package = Package.objects.for_account(account).filter(pk=package_id).first() if package_id else None
            if package is None:
                raise Unprocessable(_("Choose one of this account's packages."), code=Code.UNKNOWN_PACKAGE,
                                    fields={"package": [_("Choose one of this account's packages.")]})
            values["package"] = package
        if data.billing_item_id not in (None, ""):
            item_id = parse_id(data.billing_item_id)
            item = BillingItem.objects.filter(pk=item_id).first() if item_id else None
            if item is None:
                raise _invalid("billing_item", _("Choose a billing item."))
            values["billing_item"] = item
    elif data.kind == WarningKind.LOW_BALANCE:
        values["runway_days"] = _whole(data.runway_days, "runway_days", 1, 366, optional=True)
        values["balance_below"] = _money(data.balance_below, "balance_below", optional=True)
        if values["runway_days"] is None and values["balance_below"] is None:
            raise _invalid("runway_days", _("Set a number of days of runway, an amount, or both."))
    else:
        name = (data.name or "").strip()
        if len(name) > 100:
            raise _invalid("name", _("Use at most 100 characters."))
        values["name"] = name
        values["budget"] = _money(data.budget, "budget")
        ids = set()
        for raw in data.workspace_ids or ():
            workspace_id = parse_id(raw)
            if workspace_id is None:
                raise _invalid("workspaces", _("Choose workspaces of this account."))
            ids.add(workspace_id)
        chosen = list(Workspace.objects.for_account(account).filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise Unprocessable(_("Choose workspaces of this account."), code=Code.UNKNOWN_WORKSPACE,
                                fields={"workspaces": [_("Choose workspaces of this account.")]})
    return values, chosen


@transaction.atomic
def warning_rule_create(*, account: Account, data: RuleInput) -> WarningRule:
    values, chosen = _clean(account, data)
    rule = WarningRule.objects.create(account=account, **values)
    rule.workspaces.set(chosen)
    return rule


@transaction.atomic
def warning_rule_update(*, rule: WarningRule, data: RuleInput) -> WarningRule:
    """Change a rule (its kind stays). Its open episodes close: the new condition starts afresh."""
    data.kind = rule.kind
    values, chosen = _clean(rule.account, data)
    rule = WarningRule.objects.select_for_update().get(pk=rule.pk)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    rule.workspaces.set(chosen)
    rule.episodes.filter(closed_on__isnull=True).update(closed_on=days.account_today(rule.account))
    return rule


@transaction.atomic
def warning_rule_delete(*, rule: WarningRule) -> None:
    rule.delete()


@transaction.atomic
def warning_rules_create_defaults(*, account: Account) -> list[WarningRule]:
    """The defaults of a new account: quota at 80 % and 100 % (every package and item, one day) and a runway
    below 7 days. Budgets have no default (they need an amount)."""
    rules = [WarningRule(account=account, kind=WarningKind.QUOTA, percent=p) for p in DEFAULT_QUOTA_PERCENTS]
    rules.append(WarningRule(account=account, kind=WarningKind.LOW_BALANCE, runway_days=DEFAULT_RUNWAY_DAYS))
    return WarningRule.objects.bulk_create(rules)


# --------------------------------------------------------------------------------------------------------------
# evaluation


@dataclass(frozen=True)
class Firing:
    subject: str
    detail: dict[str, Any]


class _QuotaReader:
    """Capacity and covered usage per item of a package on a day (quota's own SQL), read once per pair."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.cache: dict[tuple[int, date], dict[int, tuple[int, int]]] = {}
        self.items = {item.pk: item for item in BillingItem.objects.all()}

    def on(self, package_id: int, day: date) -> dict[int, tuple[int, int]]:
        key = (package_id, day)
        if key not in self.cache:
            with connection.cursor() as cursor:
                cursor.execute(PACKAGE_QUOTA, {"p": package_id, "d": day, "a": self.account.pk})
                rows = cursor.fetchall()
            self.cache[key] = {item_id: (int(cap), int(cov)) for item_id, _n, cap, _c, cov, _o in rows}
        return self.cache[key]


def _quota_firings(rule: WarningRule, day: date, reader: _QuotaReader) -> list[Firing]:
    packages = Package.objects.for_account(rule.account).filter(starts_on__lte=day, ends_on__gte=day)
    if rule.package_id:
        packages = packages.filter(pk=rule.package_id)
    percent = int(rule.percent or 0)
    run = [day - timedelta(days=i) for i in range(rule.consecutive_days)]
    firings = []
    for package in packages.select_related("plan").order_by("pk"):
        per_day = [reader.on(package.pk, d) for d in run]
        for item_id, (capacity, covered) in sorted(per_day[0].items()):
            if rule.billing_item_id and item_id != rule.billing_item_id:
                continue

            def reached(figures: dict[int, tuple[int, int]]) -> bool:
                cap, cov = figures.get(item_id, (0, 0))  # noqa: B023 - evaluated at once
                return cap > 0 and cov * 100 >= percent * cap

            if all(reached(figures) for figures in per_day):
                firings.append(Firing(subject=f"p{package.pk}-i{item_id}", detail={
                    "package_id": package.pk, "plan": package.plan.code, "plan_name": package.plan.name,
                    "billing_item_id": item_id,
                    "billing_item": reader.items[item_id].code, "item_name": reader.items[item_id].name,
                    "day": day.isoformat(), "percent": percent, "consecutive_days": rule.consecutive_days,
                    "capacity": capacity, "covered": covered,
                    "used_percent": round(100 * covered / capacity) if capacity else 0,
                }))
    return firings


def _low_balance_firings(rule: WarningRule, forecast) -> list[Firing]:
    """Nothing while the account is in arrears: the arrears countdown mails speak then (no second mail)."""
    firings: list[Firing] = []
    if forecast.arrears > 0:
        return firings
    runway = forecast.runway
    if rule.runway_days and runway is not None and runway.days is not None and runway.days < rule.runway_days:
        firings.append(Firing(subject="runway", detail={
            "runway_days": runway.days, "threshold_days": rule.runway_days,
            "arrears_day": runway.arrears_day.isoformat() if runway.arrears_day else None,
            "daily_charge": money_string(forecast.daily_mean), "usable_balance": money_string(forecast.usable_balance),
        }))
    if rule.balance_below and forecast.usable_balance < rule.balance_below:
        firings.append(Firing(subject="balance", detail={
            "usable_balance": money_string(forecast.usable_balance),
            "threshold_amount": money_string(rule.balance_below),
        }))
    return firings


def _budget_firings(rule: WarningRule, today: date) -> list[Firing]:
    ids = [w.pk for w in rule.workspaces.all()] or list(
        Workspace.objects.for_account(rule.account).values_list("pk", flat=True)
    )
    forecast = month_forecast(account=rule.account, today=today, workspace_ids=ids, with_runway=False)
    budget = rule.budget or Decimal(0)
    base = {"budget": money_string(budget), "month": forecast.month.strftime("%Y-%m"),
            "month_to_date": money_string(forecast.month_to_date), "workspace_ids": sorted(ids),
            "name": rule.name}
    if forecast.expected is not None:
        base["forecast"] = money_string(forecast.expected)
    firings = [
        Firing(subject=str(step), detail={**base, "percent": step})
        for step in BUDGET_STEPS if forecast.month_to_date * 100 >= budget * step
    ]
    if forecast.expected is not None and forecast.expected > budget:
        firings.append(Firing(subject="forecast", detail={**base, "percent": None}))
    return firings


EVENT_OF_KIND = {
    WarningKind.QUOTA: signals.QUOTA_EVENT,
    WarningKind.LOW_BALANCE: signals.LOW_BALANCE_EVENT,
    WarningKind.BUDGET: signals.BUDGET_EVENT,
}


def _recipients_by_language(account: Account) -> dict[str, list[str]]:
    """Active owners and administrators, grouped by their remembered language (notifications.mail)."""
    return {language: list(emails) for language, emails in recipients_by_language(billing_emails(account)).items()}


def _open(rule: WarningRule, firing: Firing, today: date) -> WarningEpisode | None:
    recipients = _recipients_by_language(rule.account)
    everyone = sorted({e for group in recipients.values() for e in group})
    try:
        with transaction.atomic():
            episode = WarningEpisode.objects.create(
                account=rule.account, rule=rule, subject=firing.subject, opened_on=today, detail=firing.detail,
                recipients="\n".join(everyone),
            )
    except IntegrityError:
        return None  # already open (a concurrent evaluation)
    context = {"account": rule.account, "rule": rule, "episode": episode, "detail": firing.detail}
    for language, emails in recipients.items():
        send_email(to=emails, subject_template="email/forecast_warning_subject.txt",
                   body_template="email/forecast_warning_body.txt", context=context, language=language)
    signals.warning_opened.send(
        sender=WarningRule, account_id=rule.account_id, event_type=EVENT_OF_KIND[WarningKind(rule.kind)],
        data={"rule_id": rule.pk, "episode_id": episode.pk, "subject": firing.subject,
              "opened_on": today.isoformat(), **firing.detail},
    )
    return episode


def warnings_evaluate(*, account: Account, day: date | None = None, kinds: Iterable[str] | None = None) -> int:
    """Evaluate the account's active rules (of `kinds`, default all) after the night of `day` (default: the
    account's yesterday). Opens new episodes (mail, webhook) and closes those that cleared. Returns how many
    opened."""
    day = day or days.account_yesterday(account)
    today = day + timedelta(days=1)
    wanted = set(kinds) if kinds is not None else set(WarningKind.values)
    rules = [r for r in WarningRule.objects.for_account(account).filter(is_active=True)
             .prefetch_related("workspaces").order_by("pk") if r.kind in wanted]
    if not rules:
        return 0
    reader = _QuotaReader(account)
    forecast = None
    opened = 0
    for rule in rules:
        with transaction.atomic():
            if rule.kind == WarningKind.QUOTA:
                firings = _quota_firings(rule, day, reader)
            elif rule.kind == WarningKind.LOW_BALANCE:
                forecast = forecast or month_forecast(account=account, today=today)
                firings = _low_balance_firings(rule, forecast)
            else:
                firings = _budget_firings(rule, today)
            subjects = {f.subject for f in firings}
            still_open = set(rule.episodes.filter(closed_on__isnull=True).values_list("subject", flat=True))
            rule.episodes.filter(closed_on__isnull=True).exclude(subject__in=subjects).update(closed_on=today)
            for firing in firings:
                if firing.subject not in still_open and _open(rule, firing, today) is not None:
                    opened += 1
    return opened


def warnings_evaluate_accounts(*, day: date, account_ids: Iterable[int]) -> int:
    opened = 0
    for account in Account.objects.filter(pk__in=list(account_ids)).order_by("pk"):
        try:
            opened += warnings_evaluate(account=account, day=day)
        except Exception:  # one account's failure never stops the others; logged for the operators
            logger.exception("forecasts: could not evaluate the warnings of account %s", account.pk)
    return opened


__all__ = [
    "RuleInput",
    "warning_rule_create",
    "warning_rule_delete",
    "warning_rule_update",
    "warning_rules_create_defaults",
    "warnings_evaluate",
    "warnings_evaluate_accounts",
]
