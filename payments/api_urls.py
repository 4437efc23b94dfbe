from django.urls import path

from payments import api

urlpatterns = [
    path("accounts/<id:account_id>/wallet/", api.WalletApi.as_view(), name="api-wallet"),
    path("accounts/<id:account_id>/recharges/", api.RechargeListApi.as_view(), name="api-recharges"),
    path("accounts/<id:account_id>/prepaid-cards/", api.PrepaidCardListApi.as_view(), name="api-prepaid-cards"),
    path("accounts/<id:account_id>/vouchers/", api.VoucherListApi.as_view(), name="api-vouchers"),
    path("accounts/<id:account_id>/vouchers/activate/", api.VoucherActivateApi.as_view(),
         name="api-voucher-activate"),
    path("accounts/<id:account_id>/ledger/", api.LedgerListApi.as_view(), name="api-ledger"),
    path("payments/gateway/<slug:provider>/callback/", api.GatewayCallbackApi.as_view(),
         name="api-gateway-callback"),
]
