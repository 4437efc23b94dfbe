"""The wallet under /api/v1/accounts/{id}/ and the gateways' callback."""

from __future__ import annotations

from django.http.request import RawPostDataException
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CSV_FORMAT_PARAMETER, CSVExportMixin
from core.idempotency import idempotent
from payments import selectors
from payments.cards import prepaid_card_buy
from payments.exports import ledger_csv_response
from payments.models import RechargeMethod
from payments.recharges import gateway_callback_handle, recharge_start_online, recharge_submit_offline
from payments.serializers import (
    CardPurchaseSerializer,
    DateRangeSerializer,
    LedgerEntrySerializer,
    PrepaidCardBuySerializer,
    PrepaidCardSerializer,
    RechargeCreatedSerializer,
    RechargeCreateSerializer,
    RechargeSerializer,
    VoucherActivateSerializer,
    VoucherSerializer,
    WalletSerializer,
)
from payments.throttling import VoucherActivateThrottle, callback_max_bytes
from payments.vouchers import voucher_activate
from workspaces.tenancy import AccountScopedAPIView, AccountScopedListAPIView

DATE_PARAMS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="first day (account time zone)"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="last day, inclusive"),
]


def _dates(request) -> dict:
    serializer = DateRangeSerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class WalletApi(AccountScopedAPIView):
    """Cash, arrears, and the balances of usable prepaid cards and vouchers."""

    @extend_schema(responses=WalletSerializer)
    def get(self, request, account_id: int):
        return Response(WalletSerializer(selectors.wallet_summary(account=self.account)).data)


class RechargeListApi(AccountScopedListAPIView):
    """Recharges (filter by date). POST: online (answers the gateway's payment_url) or an offline remittance."""

    serializer_class = RechargeSerializer

    def get_account_queryset(self):
        dates = _dates(self.request)
        return selectors.filter_dates(selectors.recharge_list(account=self.account), self.account, "created_at",
                                      dates.get("date_from"), dates.get("date_to"))

    @extend_schema(parameters=DATE_PARAMS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=RechargeCreateSerializer, responses={201: RechargeCreatedSerializer})
    @idempotent
    def post(self, request, account_id: int):
        serializer = RechargeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        url = None
        if data["method"] == RechargeMethod.ONLINE:
            recharge, url = recharge_start_online(
                account=self.account, amount=data["amount"], actor=request.user, provider=data.get("provider") or None
            )
            url = request.build_absolute_uri(url) if url.startswith("/") else url
        else:
            recharge = recharge_submit_offline(
                account=self.account, amount=data["amount"], transfer_reference=data["transfer_reference"],
                actor=request.user,
            )
        body = RechargeSerializer(recharge).data
        body["payment_url"] = url
        return Response(body, status=status.HTTP_201_CREATED)


class GatewayCallbackApi(APIView):
    """A payment gateway's signed callback: no user authentication, the signature is the authentication.
    A bad signature, a stale timestamp or an unknown reference answer 400 and change nothing. An unknown or
    switched-off provider (the sandbox unless enabled) answers 404; a body over
    settings.FEE_CENTER["GATEWAY_CALLBACK_MAX_BYTES"] 413; unsigned callbacks past the provider's per-minute
    bucket 429 (payments/throttling.py). No IP throttle: a correctly signed callback always goes through."""

    authentication_classes: list = []  # no session => no CSRF check
    permission_classes = [AllowAny]
    throttle_classes: list = []  # rejected callbacks are limited in the service, after the signature check

    @extend_schema(request=OpenApiTypes.OBJECT,
                   responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
                              413: OpenApiTypes.OBJECT, 429: OpenApiTypes.OBJECT})
    def post(self, request, provider: str):
        limit = callback_max_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        try:
            size = len(request._request.body)
        except RawPostDataException:  # a form body already read (the NUL guard): its declared length counts
            size = declared
        if declared > limit or size > limit:
            return Response({"error": {"code": "payload_too_large",
                                       "message": f"A callback body is at most {limit} bytes.", "fields": {}}},
                            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        data = request.data if hasattr(request.data, "items") else {}
        result = gateway_callback_handle(provider=provider, data=dict(data.items()))
        if result.status_code >= 400:
            headers = {"Retry-After": "60"} if result.status_code == 429 else None
            return Response({"error": {"code": result.outcome, "message": result.message, "fields": {}}},
                            status=result.status_code, headers=headers)
        return Response({"outcome": result.outcome}, status=result.status_code)


class PrepaidCardListApi(AccountScopedListAPIView):
    """The account's prepaid cards; POST buys cards with cash (gift voucher by tier)."""

    serializer_class = PrepaidCardSerializer

    def get_account_queryset(self):
        dates = _dates(self.request)
        return selectors.filter_dates(selectors.card_list(account=self.account), self.account, "purchased_at",
                                      dates.get("date_from"), dates.get("date_to"))

    @extend_schema(parameters=DATE_PARAMS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PrepaidCardBuySerializer, responses={201: CardPurchaseSerializer})
    @idempotent
    def post(self, request, account_id: int):
        serializer = PrepaidCardBuySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        purchase = prepaid_card_buy(account=self.account, actor=request.user, **serializer.validated_data)
        return Response(CardPurchaseSerializer(purchase).data, status=status.HTTP_201_CREATED)


class VoucherListApi(AccountScopedListAPIView):
    serializer_class = VoucherSerializer

    def get_account_queryset(self):
        dates = _dates(self.request)
        return selectors.filter_dates(selectors.voucher_list(account=self.account), self.account, "created_at",
                                      dates.get("date_from"), dates.get("date_to"))

    @extend_schema(parameters=DATE_PARAMS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class VoucherActivateApi(AccountScopedAPIView):
    """Activate a code: the voucher joins the account with its face value. Throttled per user and account
    (settings.FEE_CENTER["VOUCHER_ACTIVATE_RATE"], 20 a minute by default; the Vouchers page shares the limit)."""

    throttle_classes = [VoucherActivateThrottle]

    @extend_schema(request=VoucherActivateSerializer, responses={201: VoucherSerializer})
    @idempotent
    def post(self, request, account_id: int):
        serializer = VoucherActivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        voucher = voucher_activate(account=self.account, code=serializer.validated_data["code"],
                                            actor=request.user)
        return Response(VoucherSerializer(voucher).data, status=status.HTTP_201_CREATED)


class LedgerListApi(CSVExportMixin, AccountScopedListAPIView):
    """Revenue and expenditure details (every balance movement). Filters: date_from, date_to, balance_kind;
    `?format=csv` exports the filtered list."""

    serializer_class = LedgerEntrySerializer

    def get_account_queryset(self):
        params = _dates(self.request)
        return selectors.ledger_list(account=self.account, date_from=params.get("date_from"),
                                     date_to=params.get("date_to"), balance_kind=params.get("balance_kind"))

    @extend_schema(parameters=[*DATE_PARAMS, OpenApiParameter("balance_kind", OpenApiTypes.STR),
                               CSV_FORMAT_PARAMETER],
                   responses={200: LedgerEntrySerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def csv_response(self):
        return ledger_csv_response(self.get_queryset(), self.account)


