"""Fee Center pages: consumption details, a bill's lines, usage against quota, banners, partials, admin."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quota.models import Bill
from quota.night import night_run_chunk
from quota.tests import factories as f
from quota.tests import factories as qf
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Role, Workspace, WorkspaceStatus

pytestmark = pytest.mark.django_db
D = date(2026, 3, 10)


def _night(account, days=1, start=D):
    ws = WorkspaceFactory(account=account)
    for i in range(days):
        f.usage(ws, "log", start + timedelta(days=i), 3_000_000)
        f.usage(ws, "sms", start + timedelta(days=i), 7)
        night_run_chunk(day=start + timedelta(days=i), account_ids=[account.pk])
    return ws


def test_bill_list_and_detail(owner_client, account, other_account):
    f.fund_cash(account, "100.00")
    ws = _night(account, days=2)
    response = owner_client.get(f"/a/{account.pk}/bills/daily/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026-03-11" in html and "¥5.20" in html and "format=csv" in html
    bill = Bill.objects.filter(account=account).first()
    detail = owner_client.get(f"/a/{account.pk}/bills/daily/{bill.pk}/").content.decode()
    assert ws.name in detail and "3,000,000" in detail and "¥4.50" in detail and "¥0.70" in detail
    # settled in full: the total says so, no second card repeats the same figure
    assert 'id="bill-paid-in-full"' in detail and 'id="bill-charged"' not in detail
    Bill.objects.filter(pk=bill.pk).update(charged=bill.total - 1)  # part left owing: both figures
    part = owner_client.get(f"/a/{account.pk}/bills/daily/{bill.pk}/").content.decode()
    assert 'id="bill-charged"' in part and 'id="bill-paid-in-full"' not in part
    assert owner_client.get(f"/a/{account.pk}/bills/daily/?date_from=2026-03-11").content.decode().count(
        "/bills/daily/" + str(bill.pk)
    ) == 1
    assert owner_client.get(f"/a/{account.pk}/bills/daily/?date_from=bad").status_code == 200
    other = Bill.objects.create(account=other_account, day=D)
    assert owner_client.get(f"/a/{account.pk}/bills/daily/{other.pk}/").status_code == 404


def test_bill_list_query_count_is_constant(owner_client, account, django_assert_max_num_queries):
    f.fund_cash(account, "100.00")
    _night(account, days=2)
    url = f"/a/{account.pk}/bills/daily/"
    with django_assert_max_num_queries(40) as small:
        owner_client.get(url)
    _night(account, days=6, start=D + timedelta(days=10))
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(url)


def test_usage_page_with_charts(owner_client, account, django_assert_max_num_queries):
    f.fund_cash(account, "100.00")
    ws = _night(account, days=3)
    f.package(account, [ws], starts_on=D - timedelta(days=30))
    url = f"/a/{account.pk}/usage/?date_from=2026-03-08&date_to=2026-03-14&item=log"
    response = owner_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "chart-4.6.1.umd.min.js" in html and "quota-data" in html
    assert "9,000,000" in html and ws.name in html and "src=\"http" not in html  # vendored, no CDN
    with django_assert_max_num_queries(40) as small:
        owner_client.get(url)
    _night(account, days=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(url)
    assert owner_client.get(f"/a/{account.pk}/usage/?date_from=2026-03-14&date_to=2026-03-01").status_code == 200
    assert owner_client.get(f"/a/{account.pk}/usage/?date_from=2020-01-01&date_to=2026-03-01").status_code == 200


def test_member_cannot_see_pages(client, account):
    member = MembershipFactory(account=account, role=Role.MEMBER).user
    client.force_login(member)
    assert client.get(f"/a/{account.pk}/bills/daily/").status_code == 403
    assert client.get(f"/a/{account.pk}/usage/").status_code == 403


def test_banners_countdown_and_lock(client, account):
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    client.force_login(owner)
    ws = _night(account)  # no money: arrears, countdown
    assert Workspace.objects.get(pk=ws.pk).status == WorkspaceStatus.COUNTDOWN
    html = client.get(f"/a/{account.pk}/").content.decode()
    assert 'id="arrears-countdown"' in html and "¥5.20" in html
    Workspace.objects.filter(pk=ws.pk).update(status=WorkspaceStatus.LOCKED, locked_at=timezone.now())
    html = client.get(f"/a/{account.pk}/bills/daily/").content.decode()
    assert 'id="arrears-locked"' in html and "recharge" in html.lower()
    f.fund_cash(account, "5.20")
    html = client.get(f"/a/{account.pk}/").content.decode()
    assert "arrears-locked" not in html and "arrears-countdown" not in html


def test_home_panel_nav_and_package_usage_partial(owner_client, account):
    f.fund_cash(account, "100.00")
    ws = WorkspaceFactory(account=account)
    pkg = f.package(account, [ws], starts_on=D - timedelta(days=5))
    f.usage(ws, "log", D, 50_000_000)
    night_run_chunk(day=D, account_ids=[account.pk])
    html = owner_client.get(f"/a/{account.pk}/").content.decode()
    assert f"/a/{account.pk}/bills/daily/" in html and f"/a/{account.pk}/usage/" in html and "¥15.00" in html
    rendered = owner_client.get(f"/a/{account.pk}/packages/{pkg.pk}/quota-use/").content.decode()
    assert "40,000,000" in rendered and "50,000,000" in rendered and "10,000,000" in rendered


def test_admin_rerun_action(admin_client, account):
    f.fund_cash(account, "100.00")
    ws = _night(account)
    f.usage(ws, "log", D, 4_000_000)  # late usage
    bill = Bill.objects.get(account=account, day=D)
    response = admin_client.post(
        "/admin/quota/bill/", {"action": "rerun_day", "_selected_action": [bill.pk]}, follow=True
    )
    assert response.status_code == 200
    bill.refresh_from_db()
    assert bill.total == bill.charged and bill.settlements.count() == 2
    assert admin_client.get(f"/admin/quota/bill/{bill.pk}/change/").status_code == 200
    assert admin_client.get("/admin/quota/servicetoken/add/").status_code == 200


def test_package_quota_use_fragment_is_scoped(client, account, owner, other_account):

    mine = qf.package(account, [WorkspaceFactory(account=account)], starts_on=date(2026, 1, 1))
    theirs = qf.package(other_account, [WorkspaceFactory(account=other_account)], starts_on=date(2026, 1, 1))
    client.force_login(owner)
    assert client.get(f"/a/{account.pk}/packages/{mine.pk}/quota-use/").status_code == 200
    assert client.get(f"/a/{account.pk}/packages/{theirs.pk}/quota-use/").status_code == 404


def test_admin_bill_change_page_shows_its_lines_in_one_table(admin_client, account):
    """Finance reads a bill's lines as one read-only table (no inline formset), from the bill's day only, with the
    same number of queries whatever the number of lines and settlements."""
    f.fund_cash(account, "100.00")
    ws = _night(account)
    bill = Bill.objects.get(account=account, day=D)
    url = f"/admin/quota/bill/{bill.pk}/change/"
    admin_client.get(url)  # warm: the caches a first page fills (content types, settings) are not the page's
    with CaptureQueriesContext(connection) as few:
        html = admin_client.get(url).content.decode()
    assert 'class="readonly-table"' in html and ws.name in html and "billline_set-TOTAL_FORMS" not in html
    assert html.count("<tr>", html.index('class="readonly-table"')) >= bill.lines.count()
    second = WorkspaceFactory(account=account)
    for code in ("log", "apm"):
        f.usage(second, code, D, 7_000_000)
    night_run_chunk(day=D, account_ids=[account.pk])
    assert Bill.objects.get(pk=bill.pk).lines.count() > 1
    with CaptureQueriesContext(connection) as more:
        assert admin_client.get(url).status_code == 200
    assert bill.settlements.count() == 2  # the re-run settled the difference: a second settlement
    assert len(more.captured_queries) == len(few.captured_queries)


def test_usage_chart_shows_pay_as_you_go_days_as_their_own_bars(owner_client, account):
    """Before any package, a day's converted usage is billed pay as you go: the chart shows it (not an empty day),
    apart from the covered and overage bars of the days a package covers."""
    f.fund_cash(account, "100.00")
    ws = _night(account, days=2)  # 2026-03-10 and 11: no package yet, 3,000,000 log a day
    f.package(account, [ws], starts_on=D + timedelta(days=2))
    for day in (D + timedelta(days=2), D + timedelta(days=3)):
        f.usage(ws, "log", day, 3_000_000)
        night_run_chunk(day=day, account_ids=[account.pk])
    response = owner_client.get(f"/a/{account.pk}/usage/?date_from=2026-03-10&date_to=2026-03-13&item=log")
    chart = response.context["chart"]
    assert chart["payg"][:2] == [3_000_000, 3_000_000] and chart["covered"][:2] == [0, 0]
    assert chart["payg"][2:] == [0, 0] and chart["covered"][2:] == [3_000_000, 3_000_000]
    html = response.content.decode()
    assert 'data-label-payg="' in html
    log = next(entry for entry in response.context["quota"]["items"] if entry["item"].code == "log")
    assert (log["covered"], log["payg"]) == (6_000_000, 6_000_000)  # the table's columns add up to the usage
    assert html.count("6,000,000") >= 2
