"""Fee Center pages: monthly bills (with CSV export) and invoice requests."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.generic import TemplateView

from core import formatting
from core.exceptions import ApplicationError
from core.idempotency import IdempotentPageMixin
from core.money import parse_page_amount
from core.pagination import EstimatedCountPaginator
from statements import exports, invoices, selectors
from statements.api import invoice_pdf_response
from statements.models import InvoiceRequest, InvoiceType, MonthlyBill
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404

PAGE_SIZE = 24  # two years of monthly bills; invoice requests likewise


class MonthlyBillListView(AccountScopedMixin, TemplateView):
    template_name = "statements/monthly_bill_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = EstimatedCountPaginator(selectors.monthly_bill_list(account=self.account), PAGE_SIZE) \
            .get_page(self.request.GET.get("page"))
        context["bills"] = context["page"].object_list
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
        form = kwargs.get("form", {})
        errors = kwargs.get("field_errors", {})
        documents = [d for d in selectors.invoiceable_documents(account=self.account) if d.invoiceable > 0]
        rows = []
        for doc in documents:
            name = f"amount:{doc.source_type}:{doc.source_id}"
            rows.append({"doc": doc, "name": name, "id": f"amount-{doc.source_type}-{doc.source_id}",
                         "value": form.get(name, ""), "errors": errors.get(name, [])})
        context.update(
            page=(page := EstimatedCountPaginator(
                selectors.invoice_request_list(account=self.account).order_by("-created_at", "-pk"), PAGE_SIZE,
            ).get_page(self.request.GET.get("page"))),
            invoices=page.object_list,
            summary=selectors.invoiceable_summary(account=self.account),
            documents=documents, rows=rows,
            invoice_types=InvoiceType.choices,
            form=form, field_errors=errors,
        )
        return context

    def post(self, request, account_id: int):
        """Every typed amount is read as people type it ("1,000.00", "¥1,000") and checked against its own
        document first, so the page says which line is over; on any error every input is shown again."""
        data = request.POST
        documents = {f"amount:{d.source_type}:{d.source_id}": d
                     for d in selectors.invoiceable_documents(account=self.account)}
        lines: list[invoices.InvoiceLineSpec] = []
        names: list[str] = []
        errors: dict[str, list[str]] = {}
        for key, value in data.items():
            if not key.startswith("amount:") or not value.strip():
                continue
            document = documents.get(key)
            if document is None:
                errors[key] = [_("This document is not one of this account's paid documents.")]
                continue
            try:
                amount = parse_page_amount(value)
            except ValueError as error:
                errors[key] = [str(error)]
                continue
            if amount > document.invoiceable:
                errors[key] = [_("At most %(max)s can still be invoiced on this line; you entered %(amount)s.")
                               % {"max": formatting.money(document.invoiceable), "amount": formatting.money(amount)}]
                continue
            names.append(key)
            lines.append(invoices.InvoiceLineSpec(source_type=document.source_type, source_id=document.source_id,
                                                  amount=amount))
        if not errors and not lines:
            errors["form"] = [_("Enter an amount for at least one paid document.")]
        if errors:
            return self._refused(data, errors, status=400)

        def work():
            invoice = invoices.invoice_request_create(
                account=self.account, requested_by=request.user, lines=lines, title=data.get("title", ""),
                tax_id=data.get("tax_id", ""), email=data.get("email", ""),
                invoice_type=data.get("invoice_type", InvoiceType.GENERAL), note=data.get("note", ""),
            )
            return 201, {"id": invoice.pk}

        self._submitted = (data, names)
        self.run_once(work)
        messages.success(request, _("Your invoice request was sent to finance."))
        return redirect("invoice-list", account_id=self.account.pk)

    def application_error(self, request, error: ApplicationError):
        """The service's refusal next to the input it concerns, everything typed kept."""
        data, names = self._submitted
        return self._refused(data, _field_errors(error, names), status=error.status_code)

    def _refused(self, data, errors: dict[str, list[str]], *, status: int):
        context = self.get_context_data(form=data, field_errors=errors)
        return self.render_to_response(context, status=status)


FORM_FIELDS = ("title", "tax_id", "email", "invoice_type", "note")
# The invoice service's own (English) messages, marked here so the page shows them in its language.
SERVICE_MESSAGES = (
    gettext_noop("The invoice title is required."), gettext_noop("The taxpayer ID is required."),
    gettext_noop("The email is required."), gettext_noop("Enter a valid email address."),
    gettext_noop("The taxpayer ID is the 15, 18 or 20 letters and digits of the buyer's tax registration."),
    gettext_noop("Unknown invoice type."), gettext_noop("Each document may appear once."),
)


def _field_errors(error: ApplicationError, names: list[str]) -> dict[str, list[str]]:
    """The service's refusal placed next to its input: `lines[i]` is the i-th submitted amount."""
    message = _translate_error(error)
    placed: dict[str, list[str]] = {}
    for field in error.fields or {}:
        if field in FORM_FIELDS:
            placed[field] = [message]
        elif field.startswith("lines[") and field[6:-1].isdigit() and int(field[6:-1]) < len(names):
            placed[names[int(field[6:-1])]] = [message]
    return placed or {"form": [message]}


def _translate_error(error: ApplicationError) -> str:
    known = {
        "invoice_above_invoiceable": _("The amount is above what can still be invoiced."),
        "invoice_unknown_document": _("This document is not one of this account's paid documents."),
        "invoice_no_lines": _("Enter an amount for at least one paid document."),
    }
    return known.get(error.code) or _(error.message)  # the services write English; their messages are in the .po


class InvoicePdfView(AccountScopedView):
    http_method_names = ["get", "head"]

    def get(self, request, account_id: int, invoice_id: int):
        invoice = get_scoped_or_404(InvoiceRequest.objects.for_account(self.account), pk=invoice_id)
        return invoice_pdf_response(invoice)
