"""The workspace page (/a/<id>/workspaces/<wid>/): plan, covering package and position, storage policies with
a pending change, this month's usage, the upgrade; the list links each workspace to it."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import BillingItem, StoragePolicy
from quota.models import Bill, BillLine
from quota.tests.factories import package
from tests.factories import WorkspaceFactory
from workspaces.services import workspace_storage_policy_set

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"  # the assertions read the English strings


def page(ws):
    return f"/a/{ws.account_id}/workspaces/{ws.pk}/"


def bill_line(ws, day, code, usage, amount):
    bill, _ = Bill.objects.get_or_create(account=ws.account, day=day, defaults={"total": Decimal(amount)})
    item = BillingItem.objects.get(code=code)
    BillLine.objects.create(
        bill=bill, workspace=ws, billing_item=item, storage_policy=StoragePolicy.objects.filter(
            billing_item=item).first(), usage=usage, factor=1, converted=usage, overage=usage,
        unit_price=Decimal("3"), amount=Decimal(amount),
    )


@time_machine.travel(NOW, tick=False)
def test_the_list_links_each_workspace_to_its_page(client, account, owner):
    ws = WorkspaceFactory(account=account, name="Shop")
    client.force_login(owner)
    text = client.get(f"/a/{account.pk}/workspaces/").content.decode()
    assert f'href="{page(ws)}"' in text
    assert f'href="{page(ws)}storage-policies/"' in text


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_package_position_pending_policy_and_month_usage(client, account, owner):
    other = WorkspaceFactory(account=account, name="First")
    ws = WorkspaceFactory(account=account, name="Shop")
    pkg = package(account, [other, ws], starts_on=date(2026, 11, 1))
    workspace_storage_policy_set(
        workspace=ws, billing_item=BillingItem.objects.get(code="log"),
        storage_policy=StoragePolicy.objects.get(billing_item__code="log", retention_days=30),
    )
    bill_line(ws, date(2026, 12, 3), "log", 1_500_000, "4.50")
    bill_line(ws, date(2026, 11, 30), "log", 9_000_000, "27.00")  # last month: not counted
    client.force_login(owner)
    response = client.get(page(ws))
    assert response.status_code == 200
    text = response.content.decode()
    assert f'id="coverage-{pkg.pk}"' in text and "position 2 in the package" in text
    assert 'id="pending-log"' in text and "2026-12-08" in text
    assert f'href="{page(ws)}storage-policies/"' in text
    assert "Usage in 2026-12" in text and "1,500,000" in text and "¥4.50" in text
    assert "9,000,000" not in text
    assert 'id="upgrade-workspace"' not in text


@time_machine.travel(NOW, tick=False)
def test_a_free_workspace_offers_the_upgrade_and_comes_back(client, account, owner):
    ws = WorkspaceFactory(account=account, free=True)
    client.force_login(owner)
    text = client.get(page(ws)).content.decode()
    assert 'id="upgrade-workspace"' in text
    assert "No usage billed this month yet" in text
    response = client.post(f"{page(ws)}upgrade/", {"next": page(ws)})
    assert response.status_code == 302 and response["Location"] == page(ws)
    ws.refresh_from_db()
    assert ws.plan == "commercial"


def test_members_403_strangers_404(client, account, member, other_owner):
    ws = WorkspaceFactory(account=account)
    client.force_login(member)
    assert client.get(page(ws)).status_code == 403
    client.force_login(other_owner)
    assert client.get(page(ws)).status_code == 404
    assert client.get(f"/a/{account.pk}/workspaces/999999999/").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_queries_do_not_grow_with_packages_and_usage(client, account, owner, django_assert_max_num_queries):
    ws = WorkspaceFactory(account=account)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as few:
        client.get(page(ws))
    package(account, [ws], starts_on=date(2026, 11, 1))
    for day_ in (1, 2, 3, 4):
        bill_line(ws, date(2026, 12, day_), "log", 10, "1.00")
        bill_line(ws, date(2026, 12, day_), "apm", 10, "1.00")
    with django_assert_max_num_queries(len(few)):
        response = client.get(page(ws))
    assert response.status_code == 200
