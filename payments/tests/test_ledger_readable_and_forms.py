"""Issue 13 on the wallet pages: readable, translated ledger memos built from the entry's reason and source,
links to the order or bill day, the ledger CSV in the interface's language, forms that keep what was typed."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments.cards import prepaid_card_buy
from payments.models import CardGiftTier, LedgerEntry, LedgerReason, PrepaidCard, Recharge, RechargeMethod
from payments.tenders import cash_credit
from payments.tests.factories import fund_cash
from payments.vouchers import voucher_issue

pytestmark = pytest.mark.django_db


def login(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _history(account, owner):
    recharge = Recharge.objects.create(account=account, method=RechargeMethod.ONLINE, provider="sandbox",
                                       status="succeeded", amount=Decimal("200000.00"), requested_by=owner,
                                       completed_at=timezone.now())
    cash_credit(account=account, amount=recharge.amount, reason=LedgerReason.RECHARGE, source_type="recharge",
                source_id=recharge.pk, actor=None, memo="sandbox")
    CardGiftTier.objects.get_or_create(min_purchase=Decimal("100000.00"), defaults={"voucher_value": Decimal("5000")})
    prepaid_card_buy(account=account, face_value=Decimal("100000"), quantity=1, actor=owner)
    cash_credit(account=account, amount=Decimal("1.00"), reason=LedgerReason.BILL_ADJUSTMENT, source_type="bill",
                source_id=42, actor=None, memo="Bill re-run: charged less than before")


def test_ledger_memos_are_readable_translated_and_link_to_their_source(account, owner):
    _history(account, owner)
    html = login(owner).get(f"/a/{account.pk}/wallet/details/").content.decode()
    assert "Sandbox gateway recharge" in html and ">sandbox<" not in html
    assert "Gift voucher for a ¥100,000.00 card purchase" in html and "Gift for a card purchase of" not in html
    assert reverse("quota-bill-detail", args=[account.pk, 42]) in html  # the bill day it came from
    assert "-¥100,000.00" not in html  # expenditure without a double negative
    zh = login(owner, "zh-hans").get(f"/a/{account.pk}/wallet/details/").content.decode()
    assert "沙箱网关充值" in zh and "购买 ¥100,000.00 储值卡赠送的满减代金券" in zh


@pytest.mark.parametrize(("language", "first", "memo"), [("en", "Time", "Sandbox gateway recharge"),
                                                 ("zh-hans", "时间", "沙箱网关充值")])
def test_ledger_csv_in_the_interface_language(account, owner, language, first, memo):
    _history(account, owner)
    response = login(owner, language).get(f"/a/{account.pk}/wallet/details/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == first and len(rows[0]) == 9
    recharge_row = next(r for r in rows if memo in r)
    assert recharge_row[4] == "200000.00" and recharge_row[0][:2] == "20" and len(recharge_row[0]) == 19
    spent = next(r for r in rows[1:] if r[5])
    assert not spent[5].startswith(("-", "'"))  # expenditure as a positive plain amount


def test_card_form_reads_typed_amounts_and_keeps_them_on_error(account, owner):
    fund_cash(account, "1000.00")
    client = login(owner)
    url = f"/a/{account.pk}/wallet/cards/"
    refused = client.post(url, {"face_value": "1,50", "quantity": "1", "idempotency_key": "a"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'value="1,50"' in html and 'id="card-face-value-error"' in html
    too_much = client.post(url, {"face_value": "¥2,000", "quantity": "1", "idempotency_key": "b"})
    assert too_much.status_code >= 400 and 'value="¥2,000"' in too_much.content.decode()
    ok = client.post(url, {"face_value": "¥1,000", "quantity": "1", "idempotency_key": "c"})
    assert ok.status_code == 302 and PrepaidCard.objects.filter(account=account).count() == 1


def test_recharge_form_accepts_thousands_separators(account, owner):
    client = login(owner)
    response = client.post(f"/a/{account.pk}/wallet/recharge/", {"method": "offline", "amount": "¥200,000",
                                                                  "transfer_reference": "T-9"})
    assert response.status_code == 302
    assert Recharge.objects.get(account=account).amount == Decimal("200000.00")
    missing = client.post(f"/a/{account.pk}/wallet/recharge/", {"method": "offline", "amount": "1,000"})
    assert missing.status_code == 400 and 'value="1,000"' in missing.content.decode()
    assert 'id="recharge-offline-reference-error"' in missing.content.decode()
    assert LedgerEntry.objects.filter(account=account).count() == 0


def test_a_memo_finance_wrote_shows_as_written_unless_it_is_a_catalogued_phrase(account, owner):
    """Finance's memos are free text (shown as written); the demo's are catalogued phrases and read in the reader's
    language."""
    for memo in ("Welcome voucher", "Goodwill for the outage of 3 May"):
        voucher_issue(account=account, face_value=Decimal("100"), valid_until=timezone.now() + timedelta(days=9),
                      actor=None, memo=memo)
    zh = login(owner, "zh-hans").get(f"/a/{account.pk}/wallet/details/").content.decode()
    assert "欢迎代金券" in zh and "Welcome voucher" not in zh and "Goodwill for the outage of 3 May" in zh
