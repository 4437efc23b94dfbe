from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from forecasts.models import WarningEpisode, WarningKind, WarningRule
from forecasts.selectors import open_episodes
from forecasts.tests.factories import bill
from payments.tests.factories import fund_cash
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 9, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def steady(account):
    for d in range(1, 15):
        bill(account, date(2026, 9, d), "100.00")


@time_machine.travel(NOW, tick=False)
def test_home_card_and_forecast_page(account, owner_client):
    steady(account)
    fund_cash(account, "1000.00")
    home = owner_client.get(reverse("account-home", args=[account.pk]))
    assert 'id="forecast-panel"' in home.content.decode()
    page = owner_client.get(reverse("forecast", args=[account.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "¥1,400.00" in body and "¥3,000.00" in body and "2026-09-25" in body


@time_machine.travel(NOW, tick=False)
def test_no_charge_says_so(account, owner_client):
    page = owner_client.get(reverse("forecast", args=[account.pk]))
    assert 'id="forecast-none"' in page.content.decode() and 'id="forecast-expected"' not in page.content.decode()


def test_open_warning_shows_a_banner_until_it_clears(account, owner_client):
    rule = WarningRule.objects.for_account(account).get(kind=WarningKind.LOW_BALANCE)
    episode = WarningEpisode.objects.create(account=account, rule=rule, subject="balance", opened_on=date(2026, 9, 15),
                                            detail={"usable_balance": "10.00", "threshold_amount": "500.00"})
    url = reverse("account-home", args=[account.pk])
    assert 'id="forecast-warnings"' in owner_client.get(url).content.decode()
    people = owner_client.get(reverse("people", args=[account.pk])).content.decode()
    assert 'id="forecast-warnings"' not in people  # only where a warning bears on the page (BANNER_PAGES)
    WarningEpisode.objects.filter(pk=episode.pk).update(closed_on=date(2026, 9, 16))
    assert 'id="forecast-warnings"' not in owner_client.get(url).content.decode()


def test_a_quota_warnings_date_stays_on_one_line_and_its_percent_is_written_as_such(account, owner_client):
    rule = WarningRule.objects.for_account(account).filter(kind=WarningKind.QUOTA).first()
    WarningEpisode.objects.create(account=account, rule=rule, subject="quota-1", opened_on=date(2026, 9, 15),
                                  detail={"item_name": "Log data", "plan_name": "Startup Acceleration",
                                          "plan": "startup", "used_percent": 100, "percent": 90, "day": "2026-09-15",
                                          "consecutive_days": 2})
    body = owner_client.get(reverse("account-home", args=[account.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'on <span class="date">2026-09-15</span>' in body and "used 100% of" in body and "at 90%," in body


@pytest.mark.parametrize(("open_count", "more"), [(1, None), (4, "And 3 other open warnings."),
                                                   (12, "And 9 or more other open warnings.")])
def test_the_banner_shows_the_newest_and_counts_the_rest(account, owner_client, open_count, more):
    rule = WarningRule.objects.for_account(account).get(kind=WarningKind.LOW_BALANCE)
    for n in range(open_count):
        WarningEpisode.objects.create(account=account, rule=rule, subject=f"balance-{n}",
                                      opened_on=date(2026, 9, 1 + n),
                                      detail={"usable_balance": "10.00", "threshold_amount": "500.00"})
    response = owner_client.get(reverse("payments-wallet", args=[account.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert [w.opened_on.day for w in response.context["forecast_warnings"]] == [open_count]
    body = response.content.decode()
    assert (more in body) if more else 'id="forecast-warnings-more"' not in body


def test_rules_page_lists_with_constant_queries(account, owner_client, django_assert_max_num_queries):
    url = reverse("forecast-warnings", args=[account.pk])
    owner_client.get(url)
    for _ in range(5):
        WarningRule.objects.create(account=account, kind=WarningKind.BUDGET, budget=100,
                                   name="b").workspaces.set([WorkspaceFactory(account=account)])
    with django_assert_max_num_queries(25):
        page = owner_client.get(url)
    assert page.status_code == 200 and page.content.decode().count('id="warning-') >= 8


def test_create_edit_delete_on_pages(account, owner_client):
    ws = WorkspaceFactory(account=account)
    url = reverse("forecast-warnings", args=[account.pk])
    created = owner_client.post(url, {"kind": "budget", "name": "Team", "budget": "¥1,000", "workspaces": [ws.pk]})
    assert created.status_code == 302
    rule = WarningRule.objects.get(kind="budget")
    assert (rule.budget, [w.pk for w in rule.workspaces.all()]) == (1000, [ws.pk])
    edit = reverse("forecast-warning-edit", args=[account.pk, rule.pk])
    assert owner_client.get(edit).status_code == 200
    assert owner_client.post(edit, {"budget": "2000", "is_active": "1"}).status_code == 302
    rule.refresh_from_db()
    assert (rule.budget, rule.is_active, rule.workspaces.count()) == (2000, True, 0)
    deleted = owner_client.post(reverse("forecast-warning-delete", args=[account.pk, rule.pk]))
    assert deleted.status_code == 302 and not WarningRule.objects.filter(pk=rule.pk).exists()


def test_bad_input_is_a_field_error_and_saves_nothing(account, owner_client):
    url = reverse("forecast-warnings", args=[account.pk])
    before = WarningRule.objects.count()
    page = owner_client.post(url, {"kind": "quota", "percent": "\uff18\uff10"})
    assert page.status_code == 400 and 'id="w-percent-error"' in page.content.decode()
    page = owner_client.post(url, {"kind": "budget", "budget": "1e9"})
    assert page.status_code == 400 and 'id="w-budget-error"' in page.content.decode()
    page = owner_client.post(url, {"kind": "low_balance"})
    assert page.status_code == 400 and 'id="w-runway-error"' in page.content.decode()
    assert WarningRule.objects.count() == before


def test_member_gets_403_and_strangers_404(account, member, other_account, other_owner, client):
    rule = WarningRule.objects.for_account(account).first()
    client.force_login(member)
    assert client.get(reverse("forecast", args=[account.pk])).status_code == 403
    assert client.get(reverse("forecast-warnings", args=[account.pk])).status_code == 403
    assert client.post(reverse("forecast-warning-delete", args=[account.pk, rule.pk])).status_code == 403
    client.force_login(other_owner)
    assert client.get(reverse("forecast-warnings", args=[account.pk])).status_code == 404
    other_rule_url = reverse("forecast-warning-edit", args=[other_account.pk, rule.pk])
    assert client.get(other_rule_url).status_code == 404
    assert WarningRule.objects.filter(pk=rule.pk).exists()


def test_administrator_manages_rules(account, administrator, client):
    client.force_login(administrator)
    created = client.post(reverse("forecast-warnings", args=[account.pk]), {"kind": "quota", "percent": "90"})
    assert created.status_code == 302 and WarningRule.objects.filter(percent=90).exists()


@time_machine.travel(NOW, tick=False)
def test_api_forecast(account, owner_api):
    steady(account)
    fund_cash(account, "1000.00")
    body = owner_api.get(f"/api/v1/accounts/{account.pk}/forecast/").json()
    assert (body["month"], body["month_to_date"], body["expected"], body["low"], body["high"]) == (
        "2026-09", "1400.00", "3000.00", "3000.00", "3000.00")
    assert body["runway"] == {"days": 10, "arrears_day": "2026-09-25", "first_day": "2026-09-15"}


def test_api_rules_crud_and_errors(account, owner_api, other_account):
    base = f"/api/v1/accounts/{account.pk}/warning-rules/"
    listed = owner_api.get(base).json()
    assert len(listed["results"] if isinstance(listed, dict) else listed) == 3
    created = owner_api.post(base, {"kind": "low_balance", "balance_below": "500.00"}, format="json")
    assert created.status_code == 201 and created.json()["balance_below"] == "500.00"
    rule_url = f"{base}{created.json()['id']}/"
    changed = owner_api.put(rule_url, {"runway_days": 3}, format="json")
    assert changed.status_code == 200 and (changed.json()["runway_days"], changed.json()["balance_below"]) == (3, None)
    bad = owner_api.post(base, {"kind": "low_balance"}, format="json")
    assert bad.status_code == 400 and "runway_days" in bad.json()["error"]["fields"]
    bad_ws = owner_api.post(base, {"kind": "budget", "budget": "10", "workspaces": [WorkspaceFactory(
        account=other_account).pk]}, format="json")
    assert bad_ws.status_code == 422 and bad_ws.json()["error"]["code"] == "warning_unknown_workspace"
    assert owner_api.delete(rule_url).status_code == 204
    assert owner_api.get(f"/api/v1/accounts/{other_account.pk}/warning-rules/").status_code == 404


def test_api_member_cannot_read_or_write(account, member, api_client):
    api_client.force_authenticate(member)
    assert api_client.get(f"/api/v1/accounts/{account.pk}/forecast/").status_code == 403
    assert api_client.post(f"/api/v1/accounts/{account.pk}/warning-rules/", {"kind": "quota", "percent": 5},
                           format="json").status_code == 403


def test_an_item_over_two_quota_thresholds_is_listed_once_at_the_higher(account, owner_client):
    rules = {}
    for percent in (80, 100):
        rules[percent] = WarningRule.objects.create(account=account, kind=WarningKind.QUOTA, percent=percent)
    for percent, rule in rules.items():
        WarningEpisode.objects.create(account=account, rule=rule, subject="p1-i1", opened_on=date(2026, 9, 15),
                                      detail={"used_percent": percent})
    WarningEpisode.objects.create(account=account, rule=rules[80], subject="p1-i2", opened_on=date(2026, 9, 15),
                                  detail={"used_percent": 85})
    shown = list(open_episodes(account=account))
    assert sorted((e.subject, e.rule.percent) for e in shown) == [("p1-i1", 100), ("p1-i2", 80)]
