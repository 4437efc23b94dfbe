"""Quota endpoints: usage ingestion (service token) and the daily bills with their lines (CSV too)."""

from __future__ import annotations

import csv
import io

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.tenancy import AccountScopedListAPIView
from quota import selectors, services
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
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "usage"

    @extend_schema(request=UsageBatchSerializer, responses={200: UsageResultSerializer})
    def post(self, request):
        data = request.data
        records = data.get("records") if isinstance(data, dict) else None
        recorded = services.usage_ingest(records=records)
        return Response({"recorded": recorded})


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode("utf-8")
        return JSONRenderer().render(data)  # an error envelope


CSV_COLUMNS = [
    "day", "bill_id", "workspace_id", "workspace", "item", "retention_days", "package_id", "usage", "factor",
    "converted", "covered_by_package", "covered_by_traffic", "overage", "unit_price", "amount",
]


class DailyBillListApi(AccountScopedListAPIView):
    """The account's daily bills with their lines; `date_from`, `date_to` (inclusive); `?format=csv` exports
    every line of the range."""

    serializer_class = BillSerializer
    renderer_classes = [JSONRenderer, CSVRenderer]

    def get_account_queryset(self):
        filters = BillFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.bills_daily(account=self.account, **filters.validated_data)

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE), OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ]
    )
    def get(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            return self._csv()
        return super().get(request, *args, **kwargs)

    def handle_exception(self, exc):
        # Errors are always the JSON envelope, also for ?format=csv.
        if getattr(getattr(self.request, "accepted_renderer", None), "format", None) == "csv":
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def _csv(self):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for bill in self.get_queryset():
            for line in bill.lines.all():
                writer.writerow([
                    bill.day.isoformat(), bill.pk, line.workspace_id, line.workspace.name, line.billing_item.code,
                    line.storage_policy.retention_days or "", line.package_id or "", line.usage, line.factor,
                    line.converted, line.covered_by_package, line.covered_by_traffic, line.overage,
                    line.unit_price, line.amount,
                ])
        response = Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="daily-bills-{self.account.pk}.csv"'
        return response
