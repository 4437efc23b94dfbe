"""After a night commits, the high-spending alerts and the monthly bill of its accounts follow at once
(issue 6: an owner receives an alert after a night that crosses the threshold)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from notifications.models import AlertEvent, AlertRule
from quota.night import night_run_chunk
from quota.tests import factories as f
from statements.models import MonthlyBill
from tests.factories import WorkspaceFactory
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def test_a_night_crossing_the_threshold_alerts_once_and_refreshes_the_monthly_bill(
    account, owner, django_capture_on_commit_callbacks
):
    f.fund_cash(account, "1000.00")
    workspace = WorkspaceFactory(account=account)
    f.usage(workspace, "log", DAY, 100_000_000)  # uncovered: 100 x 1.5 = 150.00
    AlertRule.objects.create(
        account=account, workspace=workspace, threshold=Decimal("100.00"),
        created_by=owner,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        night_run_chunk(day=DAY, account_ids=[account.pk])
    assert AlertEvent.objects.filter(workspace=workspace, day=DAY).count() == 1
    owner_email = Membership.objects.get(account=account, role=Role.OWNER).user.email
    # the high-spending alert (its subject names the workspace); the low-balance warning may come too
    alerts = [m for m in mail.outbox if owner_email in m.to and workspace.name in m.subject]
    assert len(alerts) == 1
    assert MonthlyBill.objects.filter(account=account).exists()

    with django_capture_on_commit_callbacks(execute=True):
        night_run_chunk(day=DAY, account_ids=[account.pk])  # a re-run alerts nobody again
    assert AlertEvent.objects.filter(workspace=workspace, day=DAY).count() == 1
    assert len([m for m in mail.outbox if owner_email in m.to and workspace.name in m.subject]) == 1


def test_a_dry_run_alerts_nobody(account, owner, django_capture_on_commit_callbacks):
    workspace = WorkspaceFactory(account=account)
    f.usage(workspace, "log", DAY, 100_000_000)
    AlertRule.objects.create(account=account, workspace=workspace, threshold=Decimal("1.00"), created_by=owner)
    with django_capture_on_commit_callbacks(execute=True):
        night_run_chunk(day=DAY, account_ids=[account.pk], dry_run=True)
    assert not AlertEvent.objects.exists()
