"""Quota endpoints: usage ingestion (service token) and the daily bills with their lines (CSV too)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CSV_FORMAT_PARAMETER, CSVExportMixin
from core.csv import csv_response
from core.tenancy import AccountScopedListAPIView
from core.throttling import ScopedThrottle
from quota import ingest, selectors
from quota.authentication import IsServiceToken, ServiceTokenAuthentication
from quota.serializers import (
    BillFilterSerializer,
    BillSerializer,
    UsageBatchSerializer,
    UsageResultSerializer,
)


class UsageIngestApi(APIView):
    """Bulk usage records (up to 5,000), upserted per workspace, item and day. The batch is validated whole:
    422 with per-record errors, 423 if a workspace is locked for arrears; nothing is written on an error."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsServiceToken]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "usage"

    @extend_schema(request=UsageBatchSerializer, responses={200: UsageResultSerializer})
    def post(self, request):
        data = request.data
        records = data.get("records") if isinstance(data, dict) else None
        recorded = ingest.usage_ingest(records=records)
        return Response({"recorded": recorded})


CSV_COLUMNS = [
    "day", "bill_id", "workspace_id", "workspace", "item", "retention_days", "package_id", "usage", "factor",
    "converted", "covered_by_package", "covered_by_traffic", "overage", "unit_price", "amount",
]


class DailyBillListApi(CSVExportMixin, AccountScopedListAPIView):
    """The account's daily bills with their lines; `date_from`, `date_to` (inclusive); `?format=csv` exports
    every line of the range."""

    serializer_class = BillSerializer

    def get_account_queryset(self):
        filters = BillFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.bills_daily(account=self.account, **filters.validated_data)

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE), OpenApiParameter("date_to", OpenApiTypes.DATE),
            CSV_FORMAT_PARAMETER,
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def csv_response(self):
        rows = (
            [
                bill.day, bill.pk, line.workspace_id, line.workspace.name, line.billing_item.code,
                line.storage_policy.retention_days, line.package_id, line.usage, line.factor, line.converted,
                line.covered_by_package, line.covered_by_traffic, line.overage, line.unit_price, line.amount,
            ]
            for bill in self.get_queryset()
            for line in bill.lines.all()
        )
        return csv_response(filename=f"daily-bills-{self.account.pk}.csv", header=CSV_COLUMNS, rows=rows)
