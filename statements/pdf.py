"""The invoice PDF: templates/statements/invoice_pdf.html rendered by WeasyPrint with a CJK font
(Noto Sans CJK SC, installed by scripts/browsers.sh as fonts-noto-cjk).

What it prints (docs/RULES-statements.md "The invoice PDF"): the seller's legal name, taxpayer ID and address
and the VAT rate from FinanceSettings (finance edits them in admin); each line named by what it is and when it
was paid ("Prepaid card purchase 2026-11-20, ¥10,000.00"), never by an internal id; amounts tax-inclusive, with
the tax shown as total x rate / (1 + rate), rounded once by core.money.quantize, and the net as total - tax."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.template.loader import render_to_string
from django.utils import translation

from core import formatting
from core.branding import billing_domain, brand_name
from core.models import FinanceSettings
from core.money import quantize
from statements.labels import document_label
from statements.models import InvoiceRequest, InvoiceRequestLine, InvoiceSourceType

if TYPE_CHECKING:
    from payments.models import Payment, Recharge

PDF_LANGUAGE = "zh-hans"  # the stored, issued PDF is Chinese (a Chinese invoice); previews may ask for another


@dataclass(frozen=True)
class TaxSplit:
    rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal

    @property
    def percent(self) -> str:
        return formatting.number(self.rate * 100) + "%"


def tax_split(total: Decimal, rate: Decimal) -> TaxSplit:
    """A tax-inclusive total split into net and tax: tax = quantize(total x rate / (1 + rate))."""
    tax = quantize(total * rate / (1 + rate)) if rate > 0 else quantize(0)
    return TaxSplit(rate=rate, net=quantize(total - tax), tax=tax, total=quantize(total))


def line_label(line: InvoiceRequestLine, account) -> str:
    if line.recharge_id:
        recharge = cast("Recharge", line.recharge)  # recharge_id is set
        return document_label(source_type=InvoiceSourceType.RECHARGE, day=recharge.completed_at or recharge.created_at,
                              amount=recharge.amount, account=account, method=str(recharge.get_method_display()))
    payment = cast("Payment", line.payment)  # a line is over a recharge or a card purchase payment
    return document_label(source_type=InvoiceSourceType.CARD_PURCHASE, day=payment.created_at, amount=payment.amount,
                          account=account)


def invoice_pdf_html(*, invoice_request: InvoiceRequest, language: str = PDF_LANGUAGE) -> str:
    finance = FinanceSettings.load()
    account = invoice_request.account
    lines = list(invoice_request.lines.select_related("recharge", "payment").order_by("pk"))
    with translation.override(language):
        rows = [{"label": line_label(line, account), "amount": line.amount} for line in lines]
        return render_to_string("statements/invoice_pdf.html", {
            "invoice": invoice_request, "account": account, "rows": rows, "seller": finance,
            "tax": tax_split(invoice_request.amount, finance.invoice_vat_rate), "lang": language,
            "brand_name": brand_name(), "billing_domain": billing_domain(),
        })


def render_invoice_pdf(*, invoice_request: InvoiceRequest, language: str = PDF_LANGUAGE) -> bytes:
    from weasyprint import HTML  # heavy (cairo, pango): loaded on the first invoice only

    return HTML(string=invoice_pdf_html(invoice_request=invoice_request, language=language)).write_pdf()
