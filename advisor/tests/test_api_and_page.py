"""The advisor's endpoint and page: roles, isolation, bad input, the warning, "Buy this", query counts."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from quota.tests import factories as f
from tests.factories import WorkspaceFactory

NOW = datetime(2026, 3, 31, 4, tzinfo=UTC)


@pytest.fixture
def workspaces(account):
    with time_machine.travel(NOW, tick=False):
        found = [WorkspaceFactory(account=account) for _ in range(2)]
        for i in range(20):
            day = date(2026, 3, 30) - timedelta(days=i)
            f.usage(found[0], "log", day, 50_000_000)
            f.usage(found[1], "datakit", day, 25)
    return found


def url(account):
    return reverse("api-advisor", kwargs={"account_id": account.pk})


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_api_ranks_candidates_with_money_as_strings(owner_api, account, workspaces, django_assert_max_num_queries):
    ids = f"{workspaces[1].pk},{workspaces[0].pk}"
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(40):
        response = owner_api.get(url(account), {"days": "20", "workspaces": ids})
    assert response.status_code == 200
    body = response.json()
    assert body["workspaces"] == [workspaces[1].pk, workspaces[0].pk]
    assert (body["window_days"], body["usage_days"], body["too_short"]) == (20, 20, False)
    keys = [c["key"] for c in body["candidates"]]
    assert {"payg", "plan-startup", "plan-growth", "plan-enterprise"} <= set(keys)
    payg = next(c for c in body["candidates"] if c["key"] == "payg")
    # log: 10 units over 40,000,000 x 1.5 would be startup's; PAYG: 50 x 1.5 + 25 x 3 = 150.00 a day
    assert payg["window_overage"] == "3000.00"
    assert payg["projected_overage"] == "54750.00"
    assert [c["rank"] for c in body["candidates"]] == list(range(1, len(keys) + 1))


@pytest.mark.django_db
def test_api_query_count_does_not_grow_with_workspaces(owner_api, account, workspaces, django_assert_max_num_queries):
    with time_machine.travel(NOW, tick=False):
        for _ in range(10):
            ws = WorkspaceFactory(account=account)
            f.usage(ws, "log", date(2026, 3, 30), 5_000_000)
        with django_assert_max_num_queries(40):
            response = owner_api.get(url(account), {"days": "20"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_administrator_sees_it_member_does_not(administrator, member, account, workspaces):
    with time_machine.travel(NOW, tick=False):
        assert api_as(administrator).get(url(account)).status_code == 200
        assert api_as(member).get(url(account)).status_code == 403


@pytest.mark.django_db
def test_another_accounts_workspace_is_refused_like_an_unknown_one(owner_api, account, other_account, workspaces):
    theirs = WorkspaceFactory(account=other_account)
    with time_machine.travel(NOW, tick=False):
        response = owner_api.get(url(account), {"workspaces": f"{workspaces[0].pk},{theirs.pk}"})
        unknown = owner_api.get(url(account), {"workspaces": "999999999"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "advisor_unknown_workspace"
    # the same answer as for an id that exists nowhere (only the id differs)
    theirs_message = response.json()["error"]["fields"]["workspaces"][0].replace(str(theirs.pk), "N")
    unknown_message = unknown.json()["error"]["fields"]["workspaces"][0].replace("999999999", "N")
    assert unknown.json()["error"]["code"] == "advisor_unknown_workspace"
    assert theirs_message == unknown_message


@pytest.mark.django_db
def test_another_account_is_a_404(other_owner, account, workspaces):
    with time_machine.travel(NOW, tick=False):
        assert api_as(other_owner).get(url(account)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "abc", "-5", "\uff11\uff10", "1e3", "100000"])
def test_bad_days_are_a_400_naming_the_field(owner_api, account, days):
    response = owner_api.get(url(account), {"days": days})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "advisor_invalid_days"
    assert list(response.json()["error"]["fields"]) == ["days"]


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["1,,2", "x", "1;2"])
def test_malformed_workspace_lists_are_a_400(owner_api, account, raw):
    response = owner_api.get(url(account), {"workspaces": raw})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["workspaces"]


@pytest.mark.django_db
def test_free_and_repeated_workspaces_are_refused(owner_api, account, workspaces):
    free = WorkspaceFactory(account=account, free=True)
    twice = owner_api.get(url(account), {"workspaces": f"{workspaces[0].pk},{workspaces[0].pk}"})
    free_response = owner_api.get(url(account), {"workspaces": str(free.pk)})
    assert twice.json()["error"]["code"] == "advisor_duplicate_workspace"
    assert free_response.json()["error"]["code"] == "advisor_workspace_not_commercial"


@pytest.mark.django_db
def test_the_endpoint_is_in_the_openapi_schema(owner_api):
    response = owner_api.get("/api/v1/schema/", {"format": "json"})
    assert "/api/v1/accounts/{account_id}/advisor/" in response.json()["paths"]


# --- the page ---------------------------------------------------------------------------------------------


def page(account):
    return reverse("advisor", kwargs={"account_id": account.pk})


@pytest.mark.django_db
def test_owner_gets_the_best_three_with_buy_this(owner_client, account, workspaces, django_assert_max_num_queries):
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(60):
        response = owner_client.get(page(account), {"days": "20", "workspaces": f"{workspaces[0].pk}"})
    assert response.status_code == 200
    top = response.context["advice"].top
    assert len(top) == 3
    buy = next(c.buy_url for c in top if c.plan is not None)
    assert buy.startswith(reverse("orders-buy", kwargs={"account_id": account.pk}) + "?plan=")
    assert f"workspaces={workspaces[0].pk}" in buy
    content = response.content.decode()
    assert f'href="{escape(buy)}"' in content
    assert 'id="advisor-data"' in content


@pytest.mark.django_db
def test_the_charts_name_the_items_in_the_readers_language(owner_client, account, workspaces):
    with time_machine.travel(NOW, tick=False):
        response = owner_client.get(page(account), {"days": "20", "workspaces": f"{workspaces[0].pk}"},
                                    HTTP_ACCEPT_LANGUAGE="zh-hans")
    names = {item["item"] for c in response.context["charts"]["candidates"] for item in c["items"]}
    assert names and "日志类数据" in names and not any("Log" in name for name in names), names


@pytest.mark.django_db
def test_administrator_sees_the_page_without_buy_this(client, administrator, account, workspaces):
    client.force_login(administrator)
    with time_machine.travel(NOW, tick=False):
        response = client.get(page(account))
    assert response.status_code == 200
    assert response.context["advice"].top[0].buy_url is None
    assert "/orders/buy/?plan=" not in response.content.decode()


@pytest.mark.django_db
def test_member_is_refused_the_page(client, member, account):
    client.force_login(member)
    assert client.get(page(account)).status_code == 403


@pytest.mark.django_db
def test_bad_input_shows_field_errors(owner_client, account, workspaces):
    with time_machine.travel(NOW, tick=False):
        response = owner_client.get(page(account), {"days": "zero", "workspaces": "12,x"})
    assert response.status_code == 200
    assert set(response.context["errors"]) == {"days", "workspaces"}
    assert "advice" not in response.context
    assert "is-invalid" in response.content.decode()


@pytest.mark.django_db
def test_short_window_warning_on_the_page(owner_client, account):
    with time_machine.travel(NOW, tick=False):
        ws = WorkspaceFactory(account=account)
        f.usage(ws, "log", date(2026, 3, 30), 1_000_000)
        response = owner_client.get(page(account))
    assert response.context["advice"].too_short is True
    assert 'class="alert alert-warning"' in response.content.decode()


@pytest.mark.django_db
def test_every_candidate_table_stacks_on_phones_with_one_line_of_days_over(owner_client, account, workspaces):
    with time_machine.travel(NOW, tick=False):
        response = owner_client.get(page(account), {"days": "20"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    content = response.content.decode()
    assert 'table-stack advisor-candidates' in content
    assert 'data-label="每年合计"' in content and 'data-label="超出额度天数"' in content
    for candidate in response.context["advice"].candidates:
        over = candidate.days_over
        assert all(s.capacity and s.days_exceeded for s in over["items"])
        assert over["days"] <= response.context["advice"].window_days
        if over["items"]:
            assert f"{len(over['items'])} 个计费项共超出 {over['days']} 天" in content
    payg = next(c for c in response.context["advice"].candidates if c.key == "payg")
    assert payg.days_over == {"days": 0, "items": []}
