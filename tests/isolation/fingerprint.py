"""A database fingerprint: row counts of every table of the project's apps and the sum of every money column
(balances, amounts, totals). Equal fingerprints before and after = nothing was written."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.db import models
from django.db.models import Count, Sum

APP_LABELS = ("core", "workspaces", "plans", "payments", "orders", "quota", "statements", "notifications",
              "authtoken", "auth", "django_celery_beat")


def fingerprint() -> dict[str, object]:
    result: dict[str, object] = {}
    for model in apps.get_models():
        if model._meta.app_label not in APP_LABELS or model._meta.proxy:
            continue
        money = [f.name for f in model._meta.concrete_fields if isinstance(f, models.DecimalField)]
        aggregates = {"rows": Count("pk")} | {f"sum_{name}": Sum(name) for name in money}
        values = model._default_manager.using("default").aggregate(**aggregates)
        for key, value in values.items():
            result[f"{model._meta.label}.{key}"] = value if value is not None else Decimal(0)
    return result


def diff(before: dict[str, object], after: dict[str, object]) -> dict[str, tuple[object, object]]:
    return {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
