"""The invoice PDF: templates/statements/invoice_pdf.html rendered by WeasyPrint with a CJK font
(Noto Sans CJK SC, installed by scripts/browsers.sh as fonts-noto-cjk)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from statements.models import InvoiceRequest


def render_invoice_pdf(*, invoice_request: InvoiceRequest) -> bytes:
    from weasyprint import HTML  # heavy (cairo, pango): loaded on the first invoice only

    lines = list(invoice_request.lines.all().order_by("pk"))
    with translation.override("zh-hans"):
        html = render_to_string(
            "statements/invoice_pdf.html",
            {"invoice": invoice_request, "account": invoice_request.account, "lines": lines},
        )
    return HTML(string=html).write_pdf()
