"""Quota endpoints: usage ingestion (service token) and the daily bills with their lines (CSV too)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CSV_FORMAT_PARAMETER, CSVExportMixin
from core.parsers import FastJSONParser
from core.throttling import ScopedThrottle
from quota import ingest, selectors
from quota.authentication import IsServiceToken, ServiceTokenAuthentication
from quota.exports import daily_bills_csv
from quota.serializers import (
    BillFilterSerializer,
    BillSerializer,
    UsageBatchSerializer,
    UsageResultSerializer,
)
from workspaces.tenancy import AccountScopedListAPIView

USAGE_EXAMPLES = [
    OpenApiExample(
        "A batch mixing tenants", request_only=True,
        value={"records": [
            {"workspace_id": 12, "item": "log", "day": "2026-11-30", "quantity": 35000000},
            {"workspace_id": 40, "item": "apm", "day": "2026-11-30", "quantity": 1200000},
            {"workspace_id": 41, "item": "log", "day": "2026-11-30", "quantity": 500},
        ]},
    ),
    OpenApiExample(
        "Stored, one refused", response_only=True, status_codes=["200"],
        value={"accepted": 2, "refused": [{
            "index": 2, "code": "workspace_locked",
            "message": "Workspace 41 is locked for unpaid arrears: its usage is refused until the account's "
                       "owner recharges to pay the arrears.",
        }]},
    ),
    OpenApiExample(
        "Malformed batch (nothing stored)", response_only=True, status_codes=["422"],
        value={"error": {
            "code": "invalid_usage", "message": "1 of 3 usage records are invalid; nothing was recorded.",
            "fields": {"records": {"1": {"quantity": ["A quantity is a whole number."]}}},
        }},
    ),
]


class UsageIngestApi(APIView):
    """Bulk usage records (up to 5,000), upserted per workspace, item and day.

    A malformed batch is refused whole: 422 with the errors of each bad record (by index), nothing stored. A
    well-formed batch answers 200: every record that can be billed is stored (`accepted`), the others are listed
    in `refused` with their index, a code and a message: `workspace_locked`, `workspace_free`, `day_in_future`,
    `day_outside_window` (older than today minus 7 days in the account's time zone) or `day_before_commercial`.
    Records of other workspaces in the batch are stored whatever happens to one of them."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsServiceToken]
    parser_classes = [FastJSONParser, FormParser, MultiPartParser]  # orjson first (BENCHMARKS.md)
    throttle_classes = [ScopedThrottle]
    throttle_scope = "usage"

    @extend_schema(
        request=UsageBatchSerializer,
        responses={200: UsageResultSerializer, 422: OpenApiTypes.OBJECT},
        examples=USAGE_EXAMPLES,
    )
    def post(self, request):
        data = request.data
        records = data.get("records") if isinstance(data, dict) else None
        result = ingest.usage_ingest(records=records)
        return Response(UsageResultSerializer(result).data)


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
        filters = BillFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        lines = selectors.bill_lines_export(account=self.account, **filters.validated_data)
        return daily_bills_csv(account=self.account, lines=lines)
