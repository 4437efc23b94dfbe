"""REST API of forecasts under /api/v1/accounts/{account_id}/: the forecast (owners and administrators) and the
warning rules (read: view_billing; write: manage, i.e. owners and administrators)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response

from forecasts import selectors, services
from forecasts.models import WarningRule
from forecasts.serializers import (
    ForecastSerializer,
    WarningRuleInputSerializer,
    WarningRuleSerializer,
    WarningRuleUpdateSerializer,
)
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedAPIView, AccountScopedListAPIView, get_scoped_or_404

BUDGET_EXAMPLE = OpenApiExample(
    "A monthly budget for two workspaces", request_only=True,
    value={"kind": "budget", "name": "Team A", "budget": "3000.00", "workspaces": [12, 13]},
)


def _input(data: dict, kind: str) -> services.RuleInput:
    return services.RuleInput(
        kind=kind, is_active=data.get("is_active", True), percent=data.get("percent"),
        package_id=data.get("package"), billing_item_id=data.get("billing_item"),
        consecutive_days=data.get("consecutive_days", 1), runway_days=data.get("runway_days"),
        balance_below=data.get("balance_below"), name=data.get("name", ""), budget=data.get("budget"),
        workspace_ids=data.get("workspaces", []),
    )


class ForecastApi(AccountScopedAPIView):
    """The month-end forecast (month-to-date charges, expected total and its range) and the runway."""

    @extend_schema(responses=ForecastSerializer)
    def get(self, request, account_id: int):
        return Response(ForecastSerializer(selectors.month_forecast(account=self.account)).data)


class WarningRuleListApi(AccountScopedListAPIView):
    """The account's warning rules; POST adds one."""

    serializer_class = WarningRuleSerializer
    write_capability = Capability.MANAGE

    def get_account_queryset(self):
        return selectors.warning_rule_list(account=self.account)

    @extend_schema(request=WarningRuleInputSerializer, responses={201: WarningRuleSerializer},
                   examples=[BUDGET_EXAMPLE])
    def post(self, request, account_id: int):
        serializer = WarningRuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rule = services.warning_rule_create(account=self.account, data=_input(data, data["kind"]))
        return Response(WarningRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class WarningRuleDetailApi(AccountScopedAPIView):
    """One rule: read, replace its settings (PUT; the kind stays), delete."""

    write_capability = Capability.MANAGE

    def _rule(self, rule_id: int) -> WarningRule:
        return get_scoped_or_404(WarningRule.objects.for_account(self.account), pk=rule_id)

    @extend_schema(responses=WarningRuleSerializer)
    def get(self, request, account_id: int, rule_id: int):
        return Response(WarningRuleSerializer(self._rule(rule_id)).data)

    @extend_schema(request=WarningRuleUpdateSerializer, responses=WarningRuleSerializer)
    def put(self, request, account_id: int, rule_id: int):
        rule = self._rule(rule_id)
        serializer = WarningRuleUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.warning_rule_update(rule=rule, data=_input(serializer.validated_data, rule.kind))
        return Response(WarningRuleSerializer(rule).data)

    @extend_schema(responses={204: None})
    def delete(self, request, account_id: int, rule_id: int):
        services.warning_rule_delete(rule=self._rule(rule_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
