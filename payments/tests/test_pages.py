from decimal import Decimal

import pytest
from django.test import Client

from payments.models import PrepaidCard, Recharge, RechargeStatus, Wallet
from payments.tests.factories import fund_cash, give_card, give_voucher

pytestmark = pytest.mark.django_db
D = Decimal
PAGES = ["wallet/", "wallet/recharge/", "wallet/cards/", "wallet/vouchers/", "wallet/details/", ""]


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_owner_sees_money_buttons_administrator_does_not(account, owner, administrator, page):
    fund_cash(account, "5")
    owner_page = login(owner).get(f"/a/{account.id}/{page}")
    admin_page = login(administrator).get(f"/a/{account.id}/{page}")
    assert owner_page.status_code == admin_page.status_code == 200
    for marker in (b'id="recharge-online"', b'id="buy-card"', b'id="activate-code"'):
        assert marker not in admin_page.content
    if page == "wallet/recharge/":
        assert b'id="recharge-online"' in owner_page.content
    if page == "":
        assert b'id="wallet-panel"' in owner_page.content and "¥5.00" in owner_page.content.decode()


def test_member_and_stranger(account, member, other_owner):
    assert login(member).get(f"/a/{account.id}/wallet/").status_code == 403
    assert login(other_owner).get(f"/a/{account.id}/wallet/").status_code == 404


def test_administrator_posts_are_refused(account, administrator):
    fund_cash(account, "1000")
    response = login(administrator).post(f"/a/{account.id}/wallet/cards/", {"face_value": "100"})
    assert response.status_code == 403 and not PrepaidCard.objects.exists()


def test_online_recharge_journey(account, owner):
    client = login(owner)
    response = client.post(f"/a/{account.id}/wallet/recharge/", {"method": "online", "amount": "88.00",
                                                                   "idempotency_key": "page-1"})
    assert response.status_code == 302 and "/sandbox-gateway/pay/" in response["Location"]
    page = client.get(response["Location"])
    assert b'value="pay"' in page.content
    done = client.post(response["Location"], {"action": "pay"}, follow=True)
    assert "¥88.00" in done.content.decode()
    assert Wallet.objects.get(account=account).cash_balance == D("88")


def test_offline_and_bad_amount(account, owner):
    client = login(owner)
    client.post(f"/a/{account.id}/wallet/recharge/", {"method": "offline", "amount": "10",
                                                      "transfer_reference": "T-1"})
    assert Recharge.objects.get().status == RechargeStatus.PENDING
    for amount in ("-1", "0", "abc", "1.001", ""):
        response = client.post(f"/a/{account.id}/wallet/recharge/", {"method": "online", "amount": amount})
        # refused next to the field, with what was typed kept (forgiving forms, docs/UI.md)
        assert response.status_code == 400 and response.context["field_errors"]["online_amount"]
        assert 'is-invalid' in response.content.decode() and f'value="{amount}"' in response.content.decode()
    assert Recharge.objects.count() == 1


def test_buy_card_double_submit_is_once(account, owner):
    fund_cash(account, "300")
    client = login(owner)
    for _ in range(2):
        client.post(f"/a/{account.id}/wallet/cards/", {"face_value": "100", "quantity": "2",
                                                       "idempotency_key": "same-form"})
    assert PrepaidCard.objects.count() == 2
    assert Wallet.objects.get(account=account).cash_balance == D("100")
    response = client.post(f"/a/{account.id}/wallet/cards/", {"face_value": "150", "idempotency_key": "k2"},
                           follow=True)
    assert "100 的整数倍" in response.content.decode()  # the service's message, in the page's language


def test_activate_bad_code_page(account, owner):
    response = login(owner).post(f"/a/{account.id}/wallet/vouchers/", {"code": "NOPE"}, follow=True)
    assert "该兑换码不存在" in response.content.decode()


def test_ledger_page_filters_and_csv(account, owner):
    fund_cash(account, "12.34")
    give_card(account, "100")
    give_voucher(account, "7")
    client = login(owner)
    page = client.get(f"/a/{account.id}/wallet/details/", {"balance_kind": "cash"})
    assert "¥12.34" in page.content.decode() and "¥7.00" not in page.content.decode()
    bad = client.get(f"/a/{account.id}/wallet/details/", {"date_from": "2026-03-01", "date_to": "2026-01-01"})
    assert bad.status_code == 200
    csv = client.get(f"/a/{account.id}/wallet/details/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert len(b"".join(csv.streaming_content).decode("utf-8-sig").strip().splitlines()) == 4


def test_ledger_page_query_count(account, owner, django_assert_max_num_queries):
    client = login(owner)
    for n in (3, 12):
        for _ in range(n):
            give_card(account, "100")
            give_voucher(account, "1")
        with django_assert_max_num_queries(20):
            assert client.get(f"/a/{account.id}/wallet/details/").status_code == 200
        with django_assert_max_num_queries(20):
            assert client.get(f"/a/{account.id}/wallet/").status_code == 200


@pytest.mark.parametrize(("page", "name"), [("wallet/cards/", "Prepaid cards"), ("wallet/vouchers/", "Vouchers")])
def test_the_breadcrumb_ends_with_the_page_not_the_wallet(account, owner, page, name):
    body = login(owner).get(f"/a/{account.id}/{page}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    crumbs = body[body.index('class="app-breadcrumb"'):body.index("</nav>", body.index('class="app-breadcrumb"'))]
    assert ">Wallet</a>" in crumbs
    assert crumbs.rstrip().endswith(f'<li class="breadcrumb-item active" aria-current="page">{name}</li>\n    </ol>')
