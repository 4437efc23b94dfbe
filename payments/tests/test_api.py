from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from payments.models import LedgerEntry, PrepaidCard, Recharge, Voucher
from payments.tests.factories import fund_cash, give_card, give_voucher
from payments.vouchers import voucher_batch_generate

pytestmark = pytest.mark.django_db
D = Decimal


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_wallet(owner_api, account):
    fund_cash(account, "100.5")
    give_card(account, "300")
    give_voucher(account, "20")
    body = owner_api.get(f"/api/v1/accounts/{account.id}/wallet/").json()
    assert body["cash_balance"] == "100.50" and body["prepaid_card_balance"] == "300.00"
    assert body["voucher_balance"] == "20.00" and body["arrears"] == "0.00"


def test_wallet_foreign_is_404_and_member_403(owner_api, other_account, account, member):
    assert owner_api.get(f"/api/v1/accounts/{other_account.id}/wallet/").status_code == 404
    assert api_for(member).get(f"/api/v1/accounts/{account.id}/wallet/").status_code == 403


def test_recharge_online_and_offline(owner_api, account):
    url = f"/api/v1/accounts/{account.id}/recharges/"
    response = owner_api.post(url, {"method": "online", "amount": "300.00"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["payment_url"].endswith(f"/sandbox-gateway/pay/{body['gateway_reference']}/")
    response = owner_api.post(url, {"method": "offline", "amount": "50", "transfer_reference": "BOC-1"}, format="json")
    assert response.status_code == 201 and response.json()["payment_url"] is None
    listing = owner_api.get(url).json()
    assert listing["count"] == 2


@pytest.mark.parametrize("payload", [
    {"method": "online", "amount": "-1"}, {"method": "online", "amount": "0"}, {"method": "online", "amount": 1.5},
    {"method": "online", "amount": "1.001"}, {"method": "online", "amount": "abc"},
    {"method": "offline", "amount": "5"},
    {"method": "cheque", "amount": "5"}, {"method": "online", "amount": "5", "provider": "nope"},
])
def test_recharge_bad_input(owner_api, account, payload):
    response = owner_api.post(f"/api/v1/accounts/{account.id}/recharges/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"]
    assert not Recharge.objects.exists()


def test_administrator_cannot_recharge_or_buy(administrator, account):
    client = api_for(administrator)
    assert client.get(f"/api/v1/accounts/{account.id}/recharges/").status_code == 200
    assert client.post(f"/api/v1/accounts/{account.id}/recharges/", {"method": "online", "amount": "5"},
                       format="json").status_code == 403
    assert client.post(f"/api/v1/accounts/{account.id}/prepaid-cards/", {"face_value": "100"},
                       format="json").status_code == 403


def test_buy_card_with_idempotency_key(owner_api, account):
    fund_cash(account, "10000")
    url = f"/api/v1/accounts/{account.id}/prepaid-cards/"
    first = owner_api.post(url, {"face_value": "10000"}, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")
    again = owner_api.post(url, {"face_value": "10000"}, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["gift_voucher"]["face_value"] == "1000.00"
    assert PrepaidCard.objects.count() == 1
    other = owner_api.post(url, {"face_value": "200"}, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("face", ["150", "50", "0", "-100", 100.0, "x"])
def test_buy_card_bad_face(owner_api, account, face):
    fund_cash(account, "1000")
    response = owner_api.post(f"/api/v1/accounts/{account.id}/prepaid-cards/", {"face_value": face}, format="json")
    assert response.status_code == 400 and "face_value" in response.json()["error"]["fields"]
    assert not PrepaidCard.objects.exists()


def test_buy_card_without_cash_is_422(owner_api, account):
    response = owner_api.post(f"/api/v1/accounts/{account.id}/prepaid-cards/", {"face_value": "100"}, format="json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "insufficient_balance"


def test_vouchers_list_and_activate(owner_api, account, owner, other_account):
    batch = voucher_batch_generate(name="b", face_value="80", quantity=2,
                                   valid_until=timezone.now() + timedelta(days=3), actor=owner)
    code = batch.vouchers.first().code
    url = f"/api/v1/accounts/{account.id}/vouchers/"
    response = owner_api.post(url + "activate/", {"code": code}, format="json")
    assert response.status_code == 201 and response.json()["balance"] == "80.00"
    assert owner_api.post(url + "activate/", {"code": code}, format="json").status_code == 409
    assert owner_api.post(url + "activate/", {"code": "ZZZZ"}, format="json").status_code == 404
    assert owner_api.post(url + "activate/", {}, format="json").status_code == 400
    give_voucher(other_account, "5")
    assert [v["code"] for v in owner_api.get(url).json()["results"]] == [code]


def test_activation_is_throttled(owner_api, account):
    url = f"/api/v1/accounts/{account.id}/vouchers/activate/"
    statuses = [owner_api.post(url, {"code": f"WRONG{i}"}, format="json").status_code for i in range(22)]
    assert statuses[0] == 404 and statuses[-1] == 429


def test_ledger_filters_and_csv(owner_api, account):
    fund_cash(account, "10")
    give_card(account, "100")
    url = f"/api/v1/accounts/{account.id}/ledger/"
    body = owner_api.get(url).json()
    assert body["count"] == 2
    assert owner_api.get(url, {"balance_kind": "card"}).json()["count"] == 1
    today = timezone.localdate()
    assert owner_api.get(url, {"date_from": (today + timedelta(days=2)).isoformat()}).json()["count"] == 0
    assert owner_api.get(url, {"date_from": "nope"}).status_code == 400
    assert owner_api.get(url, {"date_from": "2026-02-01", "date_to": "2026-01-01"}).status_code == 400
    response = owner_api.get(url, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 3 and "100.00" in text


@pytest.mark.parametrize("path", ["ledger/", "vouchers/", "prepaid-cards/", "recharges/"])
def test_list_query_count_is_constant(owner_api, account, owner, path, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            fund_cash(account, "1")
            give_card(account, "100")
            give_voucher(account, "1")
            Recharge.objects.create(account=account, method="offline", amount=D("1"), transfer_reference="x",
                                    requested_by=owner)

    make(2)
    with django_assert_max_num_queries(12):
        assert owner_api.get(f"/api/v1/accounts/{account.id}/{path}").status_code == 200
    make(6)
    with django_assert_max_num_queries(12):
        assert owner_api.get(f"/api/v1/accounts/{account.id}/{path}").status_code == 200
    assert LedgerEntry.objects.count() >= 24 and Voucher.objects.count() == 8


def test_csv_errors_stay_json(owner_api, account):
    response = owner_api.get(f"/api/v1/accounts/{account.id}/ledger/", {"format": "csv", "date_from": "x"})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "invalid"
