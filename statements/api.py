"""Monthly bills (with lines, ?format=csv) and invoice requests under /api/v1/accounts/{id}/."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api import CSV_FORMAT_PARAMETER, CSVExportMixin
from core.exceptions import ApplicationError
from core.idempotency import idempotent
from statements import exports, invoices, selectors
from statements.models import InvoiceRequest, InvoiceStatus, MonthlyBill
from statements.serializers import (
    InvoiceRequestInputSerializer,
    InvoiceRequestSerializer,
    MonthlyBillSerializer,
)
from workspaces.tenancy import AccountScopedAPIView, AccountScopedListAPIView, get_scoped_or_404


def _month_param(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        year, month = raw.split("-")[:2]
        return date(int(year), int(month), 1)
    except (TypeError, ValueError):
        raise ApplicationError(
            f"{name} is a month such as 2026-10.", code="invalid", fields={name: ["Use YYYY-MM."]}
        ) from None


MONTH_PARAMS = [
    OpenApiParameter("from", OpenApiTypes.STR, description="first month, YYYY-MM"),
    OpenApiParameter("to", OpenApiTypes.STR, description="last month, YYYY-MM"),
    CSV_FORMAT_PARAMETER,
]


class MonthlyBillListApi(CSVExportMixin, AccountScopedListAPIView):
    """Monthly bills with their lines per workspace and billing item; `?format=csv` exports the lines."""

    serializer_class = MonthlyBillSerializer

    def get_account_queryset(self):
        params = self.request.query_params
        bills = selectors.monthly_bill_list(
            account=self.account,
            month_from=_month_param(params.get("from"), "from"),
            month_to=_month_param(params.get("to"), "to"),
        )
        return bills.prefetch_related(
            Prefetch("lines", queryset=selectors.monthly_bill_lines_all())
        )

    @extend_schema(parameters=MONTH_PARAMS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def csv_response(self):
        return exports.monthly_bills_csv(account=self.account, bills=self.get_queryset())


class MonthlyBillDetailApi(CSVExportMixin, AccountScopedAPIView):
    """One monthly bill with its lines; `?format=csv` exports it."""

    def get_bill(self) -> MonthlyBill:
        return get_scoped_or_404(
            MonthlyBill.objects.for_account(self.account).prefetch_related(
                Prefetch("lines", queryset=selectors.monthly_bill_lines_all())
            ),
            pk=self.kwargs["bill_id"],
        )

    @extend_schema(responses=MonthlyBillSerializer, parameters=[CSV_FORMAT_PARAMETER])
    def get(self, request, account_id: int, bill_id: int):
        if self.wants_csv():
            return self.csv_response()
        return Response(MonthlyBillSerializer(self.get_bill()).data)

    def csv_response(self):
        return exports.monthly_bills_csv(account=self.account, bills=[self.get_bill()])


class InvoiceRequestListApi(AccountScopedListAPIView):
    """Invoice requests; POST requests an invoice (owner) over parts of succeeded recharges (the cash received;
    a card purchase spends a recharge's cash and is refused as `invoice_unknown_document`, docs/RULES-statements.md)."""

    serializer_class = InvoiceRequestSerializer

    def get_account_queryset(self):
        return selectors.invoice_request_list(account=self.account).prefetch_related("lines")

    @extend_schema(request=InvoiceRequestInputSerializer, responses={201: InvoiceRequestSerializer})
    @idempotent
    def post(self, request, account_id: int):
        serializer = InvoiceRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invoice = invoices.invoice_request_create(
            account=self.account,
            requested_by=request.user,
            lines=[invoices.InvoiceLineSpec(**line) for line in data.pop("lines")],
            **data,
        )
        return Response(InvoiceRequestSerializer(invoice).data, status=status.HTTP_201_CREATED)


class InvoicePdfApi(AccountScopedAPIView):
    """The issued invoice's PDF."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, account_id: int, invoice_id: int):
        invoice = get_scoped_or_404(InvoiceRequest.objects.for_account(self.account), pk=invoice_id)
        return invoice_pdf_response(invoice)


def invoice_pdf_response(invoice: InvoiceRequest) -> HttpResponse:
    if invoice.status != InvoiceStatus.ISSUED or not invoice.pdf:
        raise Http404
    response = HttpResponse(bytes(invoice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.pdf"'
    return response


