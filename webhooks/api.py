"""REST API of webhooks under /api/v1/accounts/{account_id}/webhooks/. Reading: owners and administrators
(view_billing); every write (create, change, delete, rotate, resend): the owner (spend); sending a test
event: owners and administrators (manage)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from core.parsing import parse_id
from core.throttling import object_throttle_allows
from webhooks import selectors, services
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.serializers import (
    DeliverySerializer,
    EndpointInputSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    EndpointWithSecretSerializer,
)
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedAPIView, AccountScopedListAPIView, get_scoped_or_404

CREATE_EXAMPLE = OpenApiExample(
    "Subscribe to locks and recharges", request_only=True,
    value={"url": "https://hooks.example.com/fee-center", "event_types": ["workspace.locked", "recharge.credited"],
           "description": "ops pager"},
)


class EndpointListApi(AccountScopedListAPIView):
    """The account's webhook endpoints; POST registers one and answers its signing secret (shown only now)."""

    serializer_class = EndpointSerializer

    def get_account_queryset(self):
        return selectors.endpoint_list(account=self.account)

    @extend_schema(request=EndpointInputSerializer, responses={201: EndpointWithSecretSerializer},
                   examples=[CREATE_EXAMPLE])
    def post(self, request, account_id: int):
        serializer = EndpointInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint = services.endpoint_create(account=self.account, actor=request.user, url=data["url"],
                                            event_types=data["event_types"], description=data["description"])
        if data.get("is_active") is False:
            services.endpoint_update(endpoint=endpoint, is_active=False)
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetailApi(AccountScopedAPIView):
    """One endpoint: read, change (PATCH: url, event_types, description, is_active), delete."""

    def _endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        return get_scoped_or_404(WebhookEndpoint.objects.for_account(self.account), pk=endpoint_id)

    @extend_schema(responses=EndpointSerializer)
    def get(self, request, account_id: int, endpoint_id: int):
        return Response(EndpointSerializer(self._endpoint(endpoint_id)).data)

    @extend_schema(request=EndpointUpdateSerializer, responses=EndpointSerializer)
    def patch(self, request, account_id: int, endpoint_id: int):
        endpoint = self._endpoint(endpoint_id)
        serializer = EndpointUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, **serializer.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request, account_id: int, endpoint_id: int):
        services.endpoint_delete(endpoint=self._endpoint(endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateApi(AccountScopedAPIView):
    """A new signing secret, answered once. The old secret keeps signing alongside the new one for
    WEBHOOKS_SECRET_GRACE_HOURS (24 by default; `previous_secret_valid_until`), then never again."""

    @extend_schema(request=None, responses=EndpointWithSecretSerializer)
    def post(self, request, account_id: int, endpoint_id: int):
        endpoint = get_scoped_or_404(WebhookEndpoint.objects.for_account(self.account), pk=endpoint_id)
        endpoint = services.endpoint_rotate_secret(endpoint=endpoint)
        return Response(EndpointWithSecretSerializer(endpoint).data)


class SendTestAnswerSerializer(serializers.Serializer):
    delivery_id = serializers.IntegerField()
    event_type = serializers.CharField()
    status = serializers.CharField()


class EndpointSendTestApi(AccountScopedAPIView):
    """Queue a `webhook.test` message to this endpoint (202 with the delivery's id). 409
    `webhook_endpoint_inactive` for a disabled endpoint; 429 past THROTTLE_WEBHOOK_TEST (5 a minute per endpoint
    by default, shared with the page's button)."""

    write_capability = Capability.MANAGE
    throttle_scope = "webhook_test"
    throttle_object_kwarg = "endpoint_id"

    @extend_schema(request=None, responses={
        202: SendTestAnswerSerializer,
        409: OpenApiResponse(description="the endpoint is disabled (`webhook_endpoint_inactive`)"),
        429: OpenApiResponse(description="more than 5 test events a minute for this endpoint (`throttled`)"),
    })
    def post(self, request, account_id: int, endpoint_id: int):
        endpoint = get_scoped_or_404(WebhookEndpoint.objects.for_account(self.account), pk=endpoint_id)
        allowed, wait = object_throttle_allows(request, self)
        if not allowed:
            raise exceptions.Throttled(wait)
        delivery = services.endpoint_send_test(endpoint=endpoint)
        return Response({"delivery_id": delivery.pk, "event_type": delivery.event_type, "status": delivery.status},
                        status=status.HTTP_202_ACCEPTED)


class DeliveryListApi(AccountScopedListAPIView):
    """Deliveries, newest first, each with its attempts. Filters: endpoint, status, event_type."""

    serializer_class = DeliverySerializer

    @extend_schema(parameters=[
        OpenApiParameter("endpoint", int), OpenApiParameter("status", str, enum=DeliveryStatus.values),
        OpenApiParameter("event_type", str),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_account_queryset(self):
        deliveries = selectors.delivery_with_attempts(account=self.account).order_by("-created_at", "-id")
        params = self.request.query_params
        if "endpoint" in params:
            deliveries = deliveries.filter(endpoint_id=parse_id(params["endpoint"]) or 0)
        if params.get("status"):
            deliveries = deliveries.filter(status=params["status"])
        if params.get("event_type"):
            deliveries = deliveries.filter(event_type=params["event_type"])
        return deliveries


class DeliveryDetailApi(AccountScopedAPIView):
    @extend_schema(responses=DeliverySerializer)
    def get(self, request, account_id: int, delivery_id: int):
        delivery = get_scoped_or_404(selectors.delivery_with_attempts(account=self.account), pk=delivery_id)
        return Response(DeliverySerializer(delivery).data)


class DeliveryResendApi(AccountScopedAPIView):
    """Send a delivery again: a new round of attempts (same message id and body, signed now)."""

    @extend_schema(request=None, responses={202: DeliverySerializer})
    def post(self, request, account_id: int, delivery_id: int):
        delivery = get_scoped_or_404(WebhookDelivery.objects.for_account(self.account), pk=delivery_id)
        services.delivery_resend(delivery=delivery)
        delivery = selectors.delivery_with_attempts(account=self.account).get(pk=delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
