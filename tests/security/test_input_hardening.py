"""Input hardening found by probing a production-configured server (issue 10): forwarded-for headers must not
reset the anonymous throttle, money parsing never overflows, deep JSON is a 400, the API's amount grammar is
exactly the documented pattern, days are YYYY-MM-DD only and ids are ASCII digits only."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.test import APIClient

from core.money import API_AMOUNT_PATTERN, parse_amount
from core.parsing import DayField, IdField, is_id, parse_day, parse_id
from core.throttling import AnonThrottle, client_ip
from notifications.models import AlertRule
from payments.models import PrepaidCard, Recharge
from quota.ingest import service_token_create
from quota.models import UsageRecord
from statements.models import InvoiceRequest
from tests.factories import WorkspaceFactory
from tests.isolation.world import populate_account

# Other scripts' digits (written as escapes): Arabic-Indic and full-width "100", full-width days.
ARABIC_100 = "\u0661\u0660\u0660"
FULLWIDTH_100 = "\uff11\uff10\uff10"
FULLWIDTH_DAY = "\uff12\uff10\uff12\uff16-\uff11\uff12-\uff10\uff11"
FULLWIDTH_DAY_2 = "\uff12\uff10\uff12\uff16-\uff11\uff11-\uff13\uff10"
# The hostile values of issue 10, shared with the garbage suite (tests/test_bad_input_everywhere.py) and the
# fuzz suite (tests/fuzz/test_hostile_values.py).
HOSTILE_AMOUNTS = ["1e999999999", "-1e-999999999", "NaN", "Infinity", "-Infinity", "sNaN", "1e309", "0e5", "1e3",
                   "1E+3", "1e-2", "1_000", ARABIC_100, FULLWIDTH_100, "+100", " 100", "100.", ".5", "100.001",
                   "9" * 5000, "0." + "0" * 5000 + "1"]
HOSTILE_DAYS = ["20261201xx", "2026-W48-1", "20261201", FULLWIDTH_DAY, "2026-12-01T00:00", " 2026-12-01",
                "2026-12-1", "2026-02-30", "0001-01-01"]
HOSTILE_IDS = ["\uff11", "1_0", "+1", " 1", "1 ", "-1", "0", "²", "1e3", "99999999999999999999"]


def deep_json(levels: int = 100_000) -> str:
    return "[" * levels + "]" * levels


def _error_fields(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]["fields"]


def _first(errors):
    """The first item's errors of a list field (DRF gives a list, or {"0": ...} for some nestings)."""
    return errors[0] if isinstance(errors, list) else errors["0"]


# ---------------------------------------------------------------------------------------------------- 1. proxies


def _meta(remote="203.0.113.9", forwarded=None):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_client_ip_ignores_forwarded_for_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_meta(forwarded="1.2.3.4")) == "203.0.113.9"


def test_client_ip_takes_the_right_most_address_behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_meta(forwarded="6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_meta(forwarded="198.51.100.7")) == "198.51.100.7"
    assert client_ip(_meta(forwarded="not-an-ip")) == "203.0.113.9"
    assert client_ip(_meta()) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_meta(forwarded="6.6.6.6, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"


def test_axes_reads_the_client_ip_from_the_same_place(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(_meta(forwarded="6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert get_client_ip_address(_meta(forwarded="6.6.6.6, 198.51.100.7")) == "203.0.113.9"


@pytest.fixture
def fast_and_frozen(settings, monkeypatch):
    """The 130 requests must fall in one throttle window whatever the machine's speed: freeze the throttle's
    clock and use a cheap password hasher (Django hashes even for an unknown user)."""

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(AnonThrottle, "timer", lambda self: 1_000_000.0)


def _token_statuses(header_for) -> list[int]:
    client = APIClient()
    return [
        client.post("/api/v1/auth/token/", {"username": "nobody", "password": "wrong"}, format="json",
                    HTTP_X_FORWARDED_FOR=header_for(i)).status_code
        for i in range(130)
    ]


@pytest.mark.django_db
def test_rotating_forwarded_for_does_not_escape_the_anonymous_throttle(settings, fast_and_frozen):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = _token_statuses(lambda i: f"10.1.{i // 250}.{i % 250}")
    assert statuses[0] == 400 and 429 in statuses, statuses
    assert statuses.index(429) <= 121  # anon: 120/min


@pytest.mark.django_db
def test_behind_one_proxy_the_spoofed_left_part_does_not_help(settings, fast_and_frozen):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = _token_statuses(lambda i: f"10.1.{i // 250}.{i % 250}, 198.51.100.7")
    assert 429 in statuses, statuses


@pytest.mark.django_db
def test_behind_one_proxy_distinct_clients_are_counted_apart(settings, fast_and_frozen):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    for address in ("198.51.100.1", "198.51.100.2"):
        for _ in range(3):
            response = client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json",
                                   HTTP_X_FORWARDED_FOR=address)
            assert response.status_code == 400


# ------------------------------------------------------------------------------------------- 2 and 4. amounts


@pytest.mark.parametrize("raw", HOSTILE_AMOUNTS)
@pytest.mark.parametrize("strict", [False, True])
def test_hostile_amounts_are_a_validation_error(raw, strict):
    if not strict and raw in ("+100", " 100", "100.", ".5"):
        assert parse_amount(raw) > 0  # the pages stay as forgiving as they were
        return
    with pytest.raises(ValueError):
        parse_amount(raw, strict=strict)


@given(st.text(max_size=60) | st.from_regex(r"[+-]?[0-9]{0,30}(\.[0-9]{0,30})?([eE][+-]?[0-9]{1,12})?"))
@settings(max_examples=400, deadline=None)
def test_parse_amount_raises_only_its_validation_error(raw):
    for strict in (False, True):
        try:
            value = parse_amount(raw, strict=strict)
        except ValueError:
            continue
        assert isinstance(value, Decimal) and Decimal("0.01") <= value <= Decimal("100000000.00")
        assert value == value.quantize(Decimal("0.01"))
        assert re.fullmatch(r"\s*\+?[0-9]*\.?[0-9]*\s*", raw, re.ASCII), raw
        if strict:
            assert re.fullmatch(API_AMOUNT_PATTERN, raw, re.ASCII), raw


@given(st.decimals(allow_nan=True, allow_infinity=True) | st.integers())
@settings(max_examples=200, deadline=None)
def test_parse_amount_of_numbers_raises_only_its_validation_error(raw):
    try:
        amount = parse_amount(raw)
    except ValueError:
        return  # refused with the validation error: the one other outcome allowed
    assert isinstance(amount, Decimal) and amount == amount.quantize(Decimal("0.01"))


@pytest.mark.parametrize(("raw", "expected"), [("42000.00", "42000.00"), ("42000", "42000.00"), ("0.5", "0.50"),
                                          (42000, "42000.00")])
def test_the_api_grammar_accepts_the_documented_pattern_and_json_integers(raw, expected):
    assert parse_amount(raw, strict=True) == Decimal(expected)


def test_the_schema_states_the_amount_pattern(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    amount = schema["components"]["schemas"]["RechargeCreateRequest"]["properties"]["amount"]
    assert amount["pattern"] == API_AMOUNT_PATTERN
    day = schema["components"]["schemas"]["UsageRecordInputRequest"]["properties"]["day"]
    assert day["pattern"].startswith("^[0-9]{4}")


@pytest.fixture
def world(account, owner):
    workspaces = [WorkspaceFactory(account=account), WorkspaceFactory(account=account)]
    ids = populate_account(account=account, owner=owner, workspaces=workspaces)
    api = APIClient()
    api.force_authenticate(owner)
    return {"account": account, "owner": owner, "ids": ids, "api": api, "workspaces": workspaces}


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["1e999999999", "-1e-999999999", "1e3", "1_000", ARABIC_100, FULLWIDTH_100, 1.5,
                                 "100.001"])
def test_api_money_fields_answer_400_naming_the_field(world, raw):
    api, account = world["api"], world["account"]
    base = f"/api/v1/accounts/{account.pk}"
    recharges, cards, invoices = Recharge.objects.count(), PrepaidCard.objects.count(), InvoiceRequest.objects.count()

    response = api.post(f"{base}/recharges/", {"method": "offline", "amount": raw, "transfer_reference": "T-1"},
                        format="json")
    assert response.status_code == 400 and "amount" in _error_fields(response), response.content

    response = api.post(f"{base}/prepaid-cards/", {"face_value": raw}, format="json")
    assert response.status_code == 400 and "face_value" in _error_fields(response), response.content

    order_id = world["ids"]["order_id"][0]
    response = api.post(f"{base}/orders/{order_id}/pay/", {"tenders": [{"kind": "cash", "amount": raw}]},
                        format="json")
    assert response.status_code == 400, response.content
    assert "amount" in _first(_error_fields(response)["tenders"])

    recharge_id = world["ids"]["recharge_id"][0]
    response = api.post(f"{base}/invoices/", {
        "title": "T", "tax_id": "91110000123456789X", "email": "f@example.com",
        "lines": [{"source_type": "recharge", "source_id": recharge_id, "amount": raw}]}, format="json")
    assert response.status_code == 400, response.content
    assert "amount" in _first(_error_fields(response)["lines"])

    assert (Recharge.objects.count(), PrepaidCard.objects.count(), InvoiceRequest.objects.count()) == (
        recharges, cards, invoices)


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["1e999999999", "-1e-999999999", "1_000", FULLWIDTH_100, "NaN"])
def test_page_money_fields_answer_a_form_error(world, client, raw):
    account, owner = world["account"], world["owner"]
    client.force_login(owner)
    client.raise_request_exception = True
    base = f"/a/{account.pk}"
    rules = AlertRule.objects.count()
    pages = [
        (f"{base}/wallet/recharge/", {"method": "offline", "amount": raw, "transfer_reference": "T-1"}),
        (f"{base}/wallet/cards/", {"face_value": raw, "quantity": "1"}),
        (f"{base}/alerts/", {"workspace": world["workspaces"][0].pk, "billing_item": "", "threshold": raw}),
        (f"{base}/orders/{world['ids']['order_id'][0]}/pay/", {"cash": raw, f"card_{world['ids']['card_id'][0]}": raw}),
        (f"{base}/invoices/", {f"amount:recharge:{world['ids']['recharge_id'][0]}": raw, "title": "T",
                               "tax_id": "91110000123456789X", "email": "f@example.com"}),
    ]
    for url, data in pages:
        response = client.post(url, data, follow=True)
        assert response.status_code < 500, (url, response.status_code)
    assert AlertRule.objects.count() == rules


# ------------------------------------------------------------------------------------------------ 3. deep JSON


@pytest.mark.django_db
@pytest.mark.parametrize("levels", [100_000, 5_000, 40])
def test_deep_json_is_a_400_in_the_error_shape(world, levels):
    body = deep_json(levels)
    key = service_token_create(name="deep")[1]
    owner_api = APIClient()
    owner_api.force_authenticate(world["owner"])
    targets = [
        (APIClient(), "/api/v1/auth/token/", {}),
        (APIClient(), "/api/v1/payments/gateway/sandbox/callback/", {}),
        (APIClient(), "/api/v1/usage/", {"HTTP_AUTHORIZATION": f"Service {key}"}),
        (owner_api, f"/api/v1/accounts/{world['account'].pk}/recharges/", {}),
    ]
    for client, url, headers in targets:
        response = client.generic("POST", url, body, content_type="application/json", **headers)
        if response.status_code == 413 and "callback" in url:  # the callback's own body-size cap came first
            continue
        assert response.status_code == 400, (url, response.status_code, response.content[:200])
        assert _error_fields(response) == {} and response.json()["error"]["code"] == "parse_error"


@pytest.mark.django_db
def test_huge_json_integers_are_a_400(world):
    response = world["api"].generic("POST", f"/api/v1/accounts/{world['account'].pk}/prepaid-cards/",
                                    '{"face_value": ' + "9" * 5000 + "}", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


# ------------------------------------------------------------------------------------------- 5 and 6. days, ids


@pytest.mark.parametrize("raw", HOSTILE_DAYS)
def test_only_yyyy_mm_dd_is_a_day(raw):
    assert parse_day(raw) is None
    field = DayField()
    with pytest.raises(serializers.ValidationError):
        field.run_validation(raw)


def test_a_real_day_parses():
    assert parse_day("2026-12-01") == date(2026, 12, 1)
    assert DayField().run_validation("2026-12-01") == date(2026, 12, 1)


@pytest.mark.parametrize("raw", HOSTILE_IDS)
def test_only_ascii_digits_are_an_id(raw):
    assert parse_id(raw) is None
    assert not is_id(raw) or raw in ("0", "99999999999999999999"[:18])
    with pytest.raises(serializers.ValidationError):
        IdField().run_validation(raw)


def test_ids_parse():
    assert parse_id("42") == 42 and parse_id(42) == 42 and parse_id(True) is None
    assert IdField().run_validation("42") == 42 and IdField().run_validation(42) == 42


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["20261201xx", "2026-W48-1", "20261201", FULLWIDTH_DAY_2])
def test_usage_days_are_yyyy_mm_dd_only(world, raw):
    key = service_token_create(name="days")[1]
    workspace = world["workspaces"][0]
    before = UsageRecord.objects.count()
    response = APIClient().post("/api/v1/usage/", {"records": [
        {"workspace_id": workspace.pk, "item": "log", "day": raw, "quantity": 1}]}, format="json",
        HTTP_AUTHORIZATION=f"Service {key}")
    assert response.status_code == 422, response.content
    assert "day" in _error_fields(response)["records"]["0"]
    assert UsageRecord.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["date_from=20261201xx", "date_to=2026-W48-1", f"date_from={FULLWIDTH_DAY_2}"])
def test_date_filters_refuse_other_grammars(world, query):
    base = f"/api/v1/accounts/{world['account'].pk}"
    for path in ("ledger/", "bills/daily/"):
        response = world["api"].get(f"{base}/{path}?{query}")
        assert response.status_code == 400, (path, response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["\uff11", "1_0", "+1", " 1"])
def test_api_id_fields_refuse_other_grammars(world, raw):
    response = world["api"].post(f"/api/v1/accounts/{world['account'].pk}/prepaid-cards/",
                                 json.dumps({"face_value": "100", "quantity": raw}), content_type="application/json")
    assert response.status_code == 400 and "quantity" in _error_fields(response), response.content
