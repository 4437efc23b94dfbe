from django.urls import path

from payments import views

urlpatterns = [
    path("wallet/", views.WalletView.as_view(), name="payments-wallet"),
    path("wallet/recharge/", views.RechargeView.as_view(), name="payments-recharge"),
    path("wallet/cards/", views.CardsView.as_view(), name="payments-cards"),
    path("wallet/vouchers/", views.VouchersView.as_view(), name="payments-vouchers"),
    path("wallet/details/", views.LedgerView.as_view(), name="payments-ledger"),
]
