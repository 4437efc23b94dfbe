"""The advisor's links elsewhere: the wizard's pre-fill ("Buy this"), the home page's line."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from advisor.hints import hint_refresh
from plans.models import Plan, TrafficPackage
from quota.tests import factories as f
from tests.factories import WorkspaceFactory

NOW = datetime(2026, 3, 31, 4, tzinfo=UTC)


def _thirty_heavy_days(account) -> None:
    """A Commercial workspace logging 50 million entries and 25 hosts a day for the 30 days before NOW."""
    ws = WorkspaceFactory(account=account)
    for i in range(30):
        day = date(2026, 3, 30) - timedelta(days=i)
        f.usage(ws, "log", day, 50_000_000)
        f.usage(ws, "datakit", day, 25)


@pytest.mark.django_db
def test_buy_this_prefills_the_wizard_draft(owner_client, account, other_account):
    mine = [WorkspaceFactory(account=account) for _ in range(2)]
    theirs = WorkspaceFactory(account=other_account)
    plan = Plan.objects.get(code="growth")
    log = TrafficPackage.objects.get(billing_item__code="log")
    query = {"plan": str(plan.pk), "traffic": "log:3000000,nope:5,apm:x",
             "workspaces": f"{mine[1].pk},{theirs.pk},{mine[0].pk}"}
    response = owner_client.get(reverse("orders-buy", kwargs={"account_id": account.pk}), query)
    assert response.status_code == 200
    draft = owner_client.session[f"orders:wizard:{account.pk}"]
    assert draft == {"plan": plan.pk, "traffic": [[log.pk, 3_000_000]], "workspaces": [mine[1].pk, mine[0].pk]}
    assert response.context["selected"] == plan.pk


@pytest.mark.django_db
def test_an_unknown_plan_leaves_the_draft_alone(owner_client, account):
    response = owner_client.get(reverse("orders-buy", kwargs={"account_id": account.pk}), {"plan": "999999"})
    assert response.status_code == 200
    assert f"orders:wizard:{account.pk}" not in owner_client.session


@pytest.mark.django_db
def test_home_says_when_a_package_would_have_saved_money(owner_client, account):
    with time_machine.travel(NOW, tick=False):
        _thirty_heavy_days(account)
        response = owner_client.get(reverse("account-home", kwargs={"account_id": account.pk}))
    content = response.content.decode()
    assert "advisor-hint" in content
    assert reverse("advisor", kwargs={"account_id": account.pk}) in content


@pytest.mark.django_db
def test_home_is_silent_without_enough_usage(owner_client, account):
    with time_machine.travel(NOW, tick=False):
        ws = WorkspaceFactory(account=account)
        f.usage(ws, "log", date(2026, 3, 30), 500_000_000)
        response = owner_client.get(reverse("account-home", kwargs={"account_id": account.pk}))
    assert response.status_code == 200
    assert "advisor-hint" not in response.content.decode()


@pytest.mark.django_db
def test_the_home_line_names_the_package_in_each_readers_language(owner_client, account):
    """The line is kept in the cache for the day; the package's name is translated when it is shown, so the first
    reader's language does not stick."""
    with time_machine.travel(NOW, tick=False):
        _thirty_heavy_days(account)
        url = reverse("account-home", kwargs={"account_id": account.pk})
        english = owner_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        chinese = owner_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    line = [part.split("</p>")[0] for part in (english, chinese)
            for part in [part.split('advisor-hint" role="status">')[1]]]
    assert "Startup Acceleration would have saved you" in line[0]
    assert "Startup" not in line[1] and "初创加速包" in line[1]


@pytest.mark.django_db
def test_the_home_page_never_replays_it_queues_the_days_replay_once(owner_client, account, monkeypatch):
    """A year of history makes the replay take a second: the page only reads the cache and, on a miss, queues the
    worker's replay once a day; the line shows from the visit after the worker ran."""
    queued: list[int] = []
    monkeypatch.setattr("advisor.tasks.compute_hint.delay", queued.append)
    monkeypatch.setattr("advisor.hints._compute", lambda account: pytest.fail("the page replayed"))
    with time_machine.travel(NOW, tick=False):
        _thirty_heavy_days(account)
        url = reverse("account-home", kwargs={"account_id": account.pk})
        first, second = (owner_client.get(url).content.decode() for _ in range(2))
        assert queued == [account.pk] and "advisor-hint" not in first + second
        monkeypatch.undo()
        hint_refresh(account)  # what the worker does
        assert "advisor-hint" in owner_client.get(url).content.decode()
