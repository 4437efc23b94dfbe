"""The advisor's endpoint: GET /api/v1/accounts/{id}/advisor/?days=90&workspaces=1,2 (owners, administrators)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from advisor.inputs import parse_input
from advisor.presenters import advice_data
from advisor.replay import advise
from advisor.serializers import AdviceSerializer
from workspaces.tenancy import AccountScopedAPIView


class AdvisorApi(AccountScopedAPIView):
    """Replays the account's stored usage of the last `days` days (default 90, at most what usage retention
    keeps) for the given Commercial workspaces (in order; default all) under every candidate on sale today:
    pay-as-you-go only, each plan package, each plan with its best traffic add-ons, the current packages.
    Candidates are ranked by yearly total (price + projected yearly overage). Bad `days` or workspace ids
    (malformed, unknown, another account's, Free, repeated): 400 in the error envelope."""

    @extend_schema(
        parameters=[
            OpenApiParameter("days", OpenApiTypes.INT, description="window length in days (default 90)"),
            OpenApiParameter("workspaces", OpenApiTypes.STR, description="workspace ids in order, e.g. 12,7"),
        ],
        responses={200: AdviceSerializer, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request, account_id: int):
        parsed = parse_input(account=self.account, days=request.query_params.get("days"),
                             workspaces=request.query_params.get("workspaces"))
        advice = advise(account=self.account, days=parsed.days, workspaces=parsed.workspaces)
        return Response(AdviceSerializer(advice_data(advice)).data)
