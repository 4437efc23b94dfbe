"""Issue 13 on the statements pages: the invoice form keeps every amount and says which line is over; the PDF
prints the seller, the VAT and lines named by what they are; the monthly CSV speaks the interface's language."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import FinanceSettings
from statements.invoices import InvoiceLineSpec, invoice_request_create
from statements.models import MonthlyBillStatus
from statements.monthly_bills import monthly_bill_refresh
from statements.pdf import invoice_pdf_html, tax_split
from statements.tests import factories as f
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def test_tax_is_included_and_rounded_once():
    split = tax_split(Decimal("10600.00"), Decimal("0.06"))
    assert (split.net, split.tax, split.total, split.percent) == (Decimal("10000.00"), Decimal("600.00"),
                                                                  Decimal("10600.00"), "6%")
    assert tax_split(Decimal("100.00"), Decimal("0.06")).tax == Decimal("5.66")  # 100 x .06 / 1.06 = 5.660...
    assert tax_split(Decimal("100.00"), Decimal("0")).tax == Decimal("0.00")


def test_invoice_form_keeps_every_amount_and_names_the_line_that_is_over(client, owner, account):
    first = f.recharge(account, "1000.00")
    second = f.recharge(account, "500.00")
    client.force_login(owner)
    url = reverse("invoice-list", args=[account.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Recharge 20" in page and f"#{first.pk}" not in page  # named by date and amount, not by id
    data = {"idempotency_key": "k", "title": "Acme", "tax_id": "91110000123456789X", "email": "a@example.com",
            f"amount:recharge:{first.pk}": "¥1,000", f"amount:recharge:{second.pk}": "600"}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="¥1,000"' in html and 'value="600"' in html  # every amount kept
    assert f'id="amount-recharge-{second.pk}-error"' in html and f'id="amount-recharge-{first.pk}-error"' not in html
    assert "At most ¥500.00 can still be invoiced on this line" in html
    bad_tax_id = client.post(url, {**data, f"amount:recharge:{second.pk}": "500", "tax_id": "123"},
                             HTTP_ACCEPT_LANGUAGE="en")
    assert bad_tax_id.status_code == 400 and 'id="invoice-tax-id-error"' in bad_tax_id.content.decode()
    ok = client.post(url, {**data, f"amount:recharge:{second.pk}": "500.00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert ok.status_code == 302


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_invoice_pdf_has_seller_tax_and_readable_lines(account, owner, language):
    settings = FinanceSettings.load()
    settings.seller_name, settings.seller_tax_id = "Acme Observability Ltd.", "91310000MA1FL0000X"
    settings.invoice_vat_rate = Decimal("0.0600")
    settings.save()
    recharge = f.recharge(account, "10600.00")
    invoice = invoice_request_create(account=account, requested_by=owner, title="Buyer Co", tax_id="91110000123456789X",
                                     email="a@example.com", lines=[InvoiceLineSpec("recharge", recharge.pk, "10600")])
    html = invoice_pdf_html(invoice_request=invoice, language=language)
    assert "Acme Observability Ltd." in html and "91310000MA1FL0000X" in html  # the seller is finance's setting
    assert html.count("Acme Observability Ltd.") >= 1 and 'class="foot brand"' in html  # the brand only in the foot
    assert "¥10,000.00" in html and "¥600.00" in html and "6%" in html and "¥10,600.00" in html
    day = f"{recharge.completed_at.astimezone():%Y-%m}"
    # the lines read as documents, not as "#<id>": the text outside the styles and tags names no id (CSS colours
    # like #222 are not text, so the check holds whatever the recharge's id is)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", html, flags=re.S))
    assert day in html and not re.search(r"#\d", text)
    assert ("VAT (6%)" in html) if language == "en" else ("增值税\uff086%\uff09" in html)


@pytest.mark.parametrize(("language", "month", "amount"),
                         [("en", "Month", "Amount (CNY)"), ("zh-hans", "月份", "金额\uff08元\uff09")])
def test_monthly_csv_speaks_the_interface_language(owner_api, account, language, month, amount):
    ws = WorkspaceFactory(account=account)
    f.usage(ws, "log", date(2026, 9, 5), 2_000_000)
    f.night(account, date(2026, 9, 5))
    monthly_bill_refresh(account=account, month=date(2026, 9, 1))
    response = owner_api.get(f"/api/v1/accounts/{account.pk}/bills/monthly/?format=csv",
                             HTTP_ACCEPT_LANGUAGE=language)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == month and rows[0][-1] == amount
    with translation.override(language):
        assert rows[1][0] == "2026-09" and rows[1][1] in {str(label) for _v, label in MonthlyBillStatus.choices}
    assert rows[1][-1] == "3.00"
