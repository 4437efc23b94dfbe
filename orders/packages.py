"""Writes to live packages that move no money: the order of their workspaces, an added workspace (both
effective the next billing day), and the daily status pass (pending -> active -> expired). They lock only
orders' own rows (orders/locks.py)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.days import account_today
from core.exceptions import ApplicationError, Conflict
from orders.error_codes import OrdersErrorCode as Code
from orders.locks import lock_open_workspace_rows, lock_package
from orders.models import Package, PackageStatus, PackageWorkspace
from orders.pricing import LIVE_PACKAGE_STATUSES, change_window
from orders.signals import package_expired
from orders.validation import MAX_WORKSPACES_PER_PACKAGE, current_rows_q, require_spend, validate_workspaces
from workspaces.models import Workspace


def _is_renewed(package: Package) -> bool:
    return Package.objects.filter(renewal_of=package).exclude(status=PackageStatus.REFUNDED).exists()


def _reopen(package: Package, rows: list[PackageWorkspace], workspace_ids: list[int], effective: datetime.date):
    """Close the open rows the day before `effective` (or drop those not yet effective) and open the new
    order from `effective` on (until the package's end day when it is renewed: the renewal's rows start the
    day after)."""
    until = package.ends_on if _is_renewed(package) else None
    for row in rows:
        if row.valid_from >= effective:
            row.delete()
        else:
            row.valid_until = effective - datetime.timedelta(days=1)
            row.save(update_fields=["valid_until"])
    try:
        with transaction.atomic():
            PackageWorkspace.objects.bulk_create(
                [
                    PackageWorkspace(package=package, workspace_id=ws_id, position=i, valid_from=effective,
                                     valid_until=until)
                    for i, ws_id in enumerate(workspace_ids, start=1)
                ]
            )
    except IntegrityError:
        raise Conflict(
            _("A workspace was just covered by another package."), code=Code.WORKSPACE_ALREADY_COVERED
        ) from None


@transaction.atomic
def package_reorder_workspaces(*, package: Package, workspaces: Sequence[Workspace], actor: Any) -> Package:
    """Give the package's workspaces a new order (the first consumes the daily quota first), effective the
    next billing day. `workspaces` must be exactly the package's current workspaces."""
    package = lock_package(package.pk, related=("account",))
    require_spend(package.account_id, actor)
    effective = change_window(package).effective
    rows = lock_open_workspace_rows(package)
    new_ids = [ws.pk for ws in workspaces]
    if len(set(new_ids)) != len(new_ids) or set(new_ids) != {row.workspace_id for row in rows}:
        raise ApplicationError(
            _("List each of the package's workspaces exactly once."),
            code=Code.INVALID_WORKSPACE_ORDER, fields={"workspaces": [_("Each workspace exactly once.")]},
        )
    if new_ids == [row.workspace_id for row in rows]:
        return package
    _reopen(package, rows, new_ids, effective)
    return package


@transaction.atomic
def package_add_workspace(*, package: Package, workspace: Workspace, actor: Any) -> Package:
    """Add a commercial workspace at the end of the package's order, effective the next billing day."""
    package = lock_package(package.pk, related=("account",))
    require_spend(package.account_id, actor)
    effective = change_window(package).effective
    validate_workspaces(package.account, [workspace])
    rows = PackageWorkspace.objects.filter(current_rows_q(), package=package)
    if rows.count() >= MAX_WORKSPACES_PER_PACKAGE:
        raise ApplicationError(
            _("A package covers at most %(n)s workspaces.") % {"n": MAX_WORKSPACES_PER_PACKAGE},
            code=Code.TOO_MANY_WORKSPACES,
        )
    position = (rows.aggregate(m=Max("position"))["m"] or 0) + 1
    try:
        with transaction.atomic():
            PackageWorkspace.objects.create(
                package=package, workspace=workspace, position=position, valid_from=effective,
                valid_until=package.ends_on if _is_renewed(package) else None,
            )
    except IntegrityError:
        raise Conflict(
            _("%(name)s was just covered by another package.") % {"name": workspace.name},
            code=Code.WORKSPACE_ALREADY_COVERED,
        ) from None
    return package


def package_update_statuses(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Daily (Celery beat, hourly so every time zone's midnight is caught): pending packages whose start
    day has come become active; packages past their end day become expired and their workspace rows are
    closed on the end day, so the workspaces are free for a new package."""
    now = now or timezone.now()
    counts = {"activated": 0, "expired": 0}
    candidates = Package.objects.filter(status__in=LIVE_PACKAGE_STATUSES).select_related("account")
    for package in candidates.order_by("pk"):
        today = account_today(package.account, now=now)
        if package.ends_on < today:
            with transaction.atomic():
                locked = lock_package(package.pk)
                if locked.status not in LIVE_PACKAGE_STATUSES:
                    continue
                rows = PackageWorkspace.objects.filter(package=locked, valid_until__isnull=True)
                rows.filter(valid_from__gt=locked.ends_on).delete()
                rows.update(valid_until=locked.ends_on)
                locked.status = PackageStatus.EXPIRED
                locked.save(update_fields=["status"])
                package_expired.send(sender=Package, package=locked, renewed=_is_renewed(locked))
            counts["expired"] += 1
        elif package.status == PackageStatus.PENDING and package.starts_on <= today:
            updated = Package.objects.filter(pk=package.pk, status=PackageStatus.PENDING).update(
                status=PackageStatus.ACTIVE
            )
            counts["activated"] += updated
    return counts
