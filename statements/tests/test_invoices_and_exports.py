import csv
import io
import re
import zlib
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from core.csv import BOM, csv_text, escape_cell
from core.exceptions import ApplicationError
from payments.models import Payment, PaymentPurpose, PaymentTender
from statements.invoices import InvoiceLineSpec, invoice_request_create, invoice_request_issue, invoice_request_reject
from statements.models import InvoiceRequest, InvoiceStatus, MonthlyBill
from statements.monthly_bills import monthly_bill_refresh
from statements.selectors import invoiceable_documents, invoiceable_summary
from statements.tests import factories as f
from tests.factories import AccountFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db
LINE = InvoiceLineSpec


def request_invoice(account, owner, lines, **extra):
    data = {"title": "示例科技有限公司", "tax_id": "91110000123456789X", "email": "finance@example.com"}
    data.update(extra)
    return invoice_request_create(account=account, requested_by=owner, lines=lines, **data)


def card_purchase(account, cash):
    payment = Payment.objects.create(account=account, purpose=PaymentPurpose.CARD_PURCHASE, source_type="card_purchase",
                                     source_id=1, amount=Decimal(cash))
    PaymentTender.objects.create(payment=payment, kind="cash", amount=Decimal(cash))
    return payment


def _pdf_fonts(pdf: bytes) -> str:

    names = re.findall(rb"/(?:BaseFont|FontName)\s*/([A-Za-z0-9+\-]+)", pdf)
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            names += re.findall(rb"/(?:BaseFont|FontName)\s*/([A-Za-z0-9+\-]+)", zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b" ".join(names).decode()


def test_invoiceable_amount_is_cash_received_minus_requested(account, owner):
    first = f.recharge(account, "1000.00")
    second = f.recharge(account, "500.00")
    purchase = card_purchase(account, "300.00")  # spends received cash: adds nothing
    assert invoiceable_summary(account=account).invoiceable == Decimal("1500.00")
    # The card purchase spent cash a recharge brought in: it is not a separately invoiceable document, and the
    # documents listed add up to "Invoiceable now" (docs/RULES-statements.md).
    documents = invoiceable_documents(account=account)
    assert [d.source_type for d in documents] == ["recharge", "recharge"]
    assert sum(d.invoiceable for d in documents) == invoiceable_summary(account=account).invoiceable
    with pytest.raises(ApplicationError) as error:
        request_invoice(account, owner, [LINE("card_purchase", purchase.pk, "300")])
    assert error.value.code == "invoice_unknown_document"
    request_invoice(account, owner, [LINE("recharge", first.pk, "600.00"), LINE("recharge", second.pk, "300")])
    summary = invoiceable_summary(account=account)
    assert (summary.invoiced, summary.invoiceable) == (Decimal("900.00"), Decimal("600.00"))
    assert sum(d.invoiceable for d in invoiceable_documents(account=account)) == summary.invoiceable
    with pytest.raises(ApplicationError) as error:  # 400 left on the first recharge
        request_invoice(account, owner, [LINE("recharge", first.pk, "400.01")])
    assert error.value.code == "invoice_above_invoiceable"
    assert InvoiceRequest.objects.count() == 1


def test_bad_inputs_write_nothing(account, owner, other_account):
    mine = f.recharge(account, "100.00")
    foreign = f.recharge(other_account, "100.00")
    bad = [
        ([LINE("recharge", foreign.pk, "10")], {}, "invoice_unknown_document"),
        ([LINE("card_purchase", mine.pk, "10")], {}, "invoice_unknown_document"),
        ([LINE("recharge", mine.pk, "-1")], {}, "invalid"),
        ([LINE("recharge", mine.pk, "1.001")], {}, "invalid"),
        ([LINE("recharge", mine.pk, "10"), LINE("recharge", mine.pk, "10")], {}, "invalid"),
        ([], {}, "invoice_no_lines"),
        ([LINE("recharge", mine.pk, "10")], {"tax_id": "123"}, "invalid"),
        ([LINE("recharge", mine.pk, "10")], {"email": "nope"}, "invalid"),
        ([LINE("recharge", mine.pk, "10")], {"title": " "}, "invalid"),
    ]
    for lines, extra, code in bad:
        with pytest.raises(ApplicationError) as error:
            request_invoice(account, owner, lines, **extra)
        assert error.value.code == code
    assert not InvoiceRequest.objects.exists()


def test_issue_renders_a_pdf_the_owner_downloads_and_reject_frees_the_amount(account, owner, other_owner, client):
    recharge = f.recharge(account, "800.00")
    finance = UserFactory(is_staff=True)
    invoice = request_invoice(account, owner, [LINE("recharge", recharge.pk, "500.00")])
    other = request_invoice(account, owner, [LINE("recharge", recharge.pk, "300.00")])
    with TestCase.captureOnCommitCallbacks(execute=True):
        invoice_request_issue(invoice_request=invoice, actor=finance)
        invoice_request_reject(invoice_request=other, actor=finance, note="抬头有误")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and bytes(invoice.pdf).startswith(b"%PDF")
    assert "Noto-Sans-CJK-SC" in _pdf_fonts(bytes(invoice.pdf))  # the Chinese text has its glyphs
    assert {tuple(m.to) for m in mail.outbox} == {tuple(sorted({"finance@example.com", owner.email}))}
    assert invoiceable_summary(account=account).invoiceable == Decimal("300.00")
    with pytest.raises(ApplicationError):
        invoice_request_issue(invoice_request=invoice, actor=finance)
    client.force_login(owner)
    response = client.get(reverse("invoice-pdf", args=[account.pk, invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client.get(reverse("invoice-pdf", args=[account.pk, other.pk])).status_code == 404
    client.force_login(other_owner)
    assert client.get(reverse("invoice-pdf", args=[account.pk, invoice.pk])).status_code == 404


def test_invoice_api_and_page(owner_api, account, owner, administrator, client):
    recharge = f.recharge(account, "100.00")
    url = f"/api/v1/accounts/{account.pk}/invoices/"
    body = {"title": "Acme", "tax_id": "91110000123456789X", "email": "a@example.com",
            "lines": [{"source_type": "recharge", "source_id": recharge.pk, "amount": "150.00"}]}
    response = owner_api.post(url, body, format="json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "invoice_above_invoiceable"
    body["lines"][0]["amount"] = "100.00"
    response = owner_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 201 and response.json()["amount"] == "100.00"
    assert owner_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    assert InvoiceRequest.objects.count() == 1
    client.force_login(administrator)
    page = client.get(reverse("invoice-list", args=[account.pk]))
    assert page.status_code == 200 and 'name="tax_id"' not in page.content.decode()
    assert client.post(reverse("invoice-list", args=[account.pk]), {}).status_code == 403


def test_csv_escaping_bom_and_numbers():
    assert [escape_cell(v) for v in ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "ok", Decimal("-12.50"), 3, None]] == [
        "'=1+1", "'+x", "'-x", "'@x", "'\tx", "'\rx", "ok", "-12.50", "3", ""]
    text = csv_text(["名称", "amount"], [["=HYPERLINK(\"x\")", Decimal("1.50")]])
    assert text.startswith(BOM)
    assert list(csv.reader(io.StringIO(text[1:]))) == [["名称", "amount"], ["'=HYPERLINK(\"x\")", "1.50"]]


def test_monthly_bill_api_csv_and_pages(owner_api, account, owner, client, django_assert_max_num_queries):
    ws = WorkspaceFactory(account=account, name="=cmd|' /C calc'!A0")
    f.usage(ws, "log", date(2026, 9, 5), 2_000_000)
    f.night(account, date(2026, 9, 5))
    bill = monthly_bill_refresh(account=account, month=date(2026, 9, 1))
    response = owner_api.get(f"/api/v1/accounts/{account.pk}/bills/monthly/")
    assert response.status_code == 200
    data = response.json()["results"][0]
    assert data["month"] == "2026-09" and data["total"] == "3.00" and data["lines"][0]["amount"] == "3.00"
    assert data["paid"]["arrears"] == "3.00"
    export = owner_api.get(f"/api/v1/accounts/{account.pk}/bills/monthly/?format=csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    content = export.content.decode("utf-8")
    assert content.startswith(BOM)
    rows = list(csv.reader(io.StringIO(content[1:])))
    assert len(rows[0]) == 8 and rows[1][2].startswith("'=") and rows[1][-1] == "3.00"
    client.force_login(owner)
    for name, args in [("monthly-bill-list", [account.pk]), ("monthly-bill-detail", [account.pk, bill.pk]),
                       ("monthly-bill-export", [account.pk, bill.pk]), ("invoice-list", [account.pk])]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    # constant queries for N and 3N monthly bills
    for month in (10, 11):
        f.usage(ws, "log", date(2026, month, 5), 1_000_000)
        f.night(account, date(2026, month, 5))
        monthly_bill_refresh(account=account, month=date(2026, month, 1))
    with django_assert_max_num_queries(8):
        assert len(owner_api.get(f"/api/v1/accounts/{account.pk}/bills/monthly/").json()["results"]) == 3


def test_monthly_bill_api_tenancy(api_client, account, other_account, other_owner, member):
    bill = monthly_bill_refresh(account=account, month=date(2026, 9, 1))
    api_client.force_authenticate(other_owner)
    assert api_client.get(f"/api/v1/accounts/{account.pk}/bills/monthly/").status_code == 404
    assert api_client.get(f"/api/v1/accounts/{other_account.pk}/bills/monthly/{bill.pk}/").status_code == 404
    api_client.force_authenticate(member)
    assert api_client.get(f"/api/v1/accounts/{account.pk}/bills/monthly/").status_code == 403
    assert AccountFactory()


def test_paid_by_vouchers_keeps_the_cents():
    bill = MonthlyBill(paid_ordinary_voucher=Decimal("12.50"), paid_full_reduction_voucher=Decimal("3.80"))
    assert bill.paid_voucher == Decimal("16.30")  # the template's |add filter had made it 15
