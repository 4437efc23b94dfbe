"""Fee Center pages: monthly bills (with CSV export) and invoice requests."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.idempotency import IdempotentPageMixin
from core.parsing import parse_id
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404
from statements import exports, invoices, selectors
from statements.api import invoice_pdf_response
from statements.models import InvoiceRequest, InvoiceType, MonthlyBill


class MonthlyBillListView(AccountScopedMixin, TemplateView):
    template_name = "statements/monthly_bill_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bills"] = selectors.monthly_bill_list(account=self.account)
        return context


class MonthlyBillDetailView(AccountScopedMixin, TemplateView):
    template_name = "statements/monthly_bill_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bill = get_scoped_or_404(MonthlyBill.objects.for_account(self.account), pk=self.kwargs["bill_id"])
        context.update(
            bill=bill,
            lines=selectors.monthly_bill_lines(monthly_bill=bill),
            workspace_totals=selectors.monthly_bill_workspace_totals(monthly_bill=bill),
            adjustments=selectors.monthly_bill_adjustments(monthly_bill=bill),
        )
        return context


class MonthlyBillExportView(AccountScopedView):
    http_method_names = ["get", "head"]

    def get(self, request, account_id: int, bill_id: int):
        bill = get_scoped_or_404(
            MonthlyBill.objects.for_account(self.account).prefetch_related(
                Prefetch("lines", queryset=selectors.monthly_bill_lines_all())
            ),
            pk=bill_id,
        )
        return exports.monthly_bills_csv(account=self.account, bills=[bill])


class InvoiceListView(IdempotentPageMixin, AccountScopedMixin, TemplateView):
    """Invoice requests, what can still be invoiced, and (owners) the request form. The form's POST runs once per
    hidden idempotency key (core.idempotency.IdempotentPageMixin)."""

    template_name = "statements/invoice_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            invoices=selectors.invoice_request_list(account=self.account),
            summary=selectors.invoiceable_summary(account=self.account),
            documents=[d for d in selectors.invoiceable_documents(account=self.account) if d.invoiceable > 0],
            invoice_types=InvoiceType.choices,
            form=kwargs.get("form", {}),
        )
        return context

    def post(self, request, account_id: int):
        data = request.POST
        lines = []
        for key, value in data.items():
            if not key.startswith("amount:") or not value.strip():
                continue
            _prefix, source_type, raw_id = ([*key.split(":"), "", ""])[:3]
            source_id = parse_id(raw_id)  # ASCII digits only (core.parsing)
            if source_id is None:
                messages.error(request, _("Unknown document."))
                return redirect("invoice-list", account_id=self.account.pk)
            lines.append(invoices.InvoiceLineSpec(source_type=source_type, source_id=source_id, amount=value.strip()))

        def work():
            invoice = invoices.invoice_request_create(
                account=self.account, requested_by=request.user, lines=lines, title=data.get("title", ""),
                tax_id=data.get("tax_id", ""), email=data.get("email", ""),
                invoice_type=data.get("invoice_type", InvoiceType.GENERAL), note=data.get("note", ""),
            )
            return 201, {"id": invoice.pk}

        try:
            self.run_once(work)
        except ApplicationError as error:
            messages.error(request, _translate_error(error))
            context = self.get_context_data(form=data)
            return self.render_to_response(context, status=400)
        messages.success(request, _("Your invoice request was sent to finance."))
        return redirect("invoice-list", account_id=self.account.pk)


def _translate_error(error: ApplicationError) -> str:
    known = {
        "invoice_above_invoiceable": _("The amount is above what can still be invoiced."),
        "invoice_unknown_document": _("This document is not one of this account's paid documents."),
        "invoice_no_lines": _("Enter an amount for at least one paid document."),
    }
    return known.get(error.code, error.message)


class InvoicePdfView(AccountScopedView):
    http_method_names = ["get", "head"]

    def get(self, request, account_id: int, invoice_id: int):
        invoice = get_scoped_or_404(InvoiceRequest.objects.for_account(self.account), pk=invoice_id)
        return invoice_pdf_response(invoice)
