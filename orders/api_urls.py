from django.urls import path

from orders import api

urlpatterns = [
    path("accounts/<id:account_id>/orders/", api.OrderListApi.as_view(), name="api-orders"),
    path("accounts/<id:account_id>/orders/purchase/", api.OrderPurchaseApi.as_view(), name="api-orders-purchase"),
    path("accounts/<id:account_id>/orders/upgrade/", api.OrderUpgradeApi.as_view(), name="api-orders-upgrade"),
    path("accounts/<id:account_id>/orders/traffic/", api.OrderTrafficApi.as_view(), name="api-orders-traffic"),
    path("accounts/<id:account_id>/orders/renewal/", api.OrderRenewalApi.as_view(), name="api-orders-renewal"),
    path("accounts/<id:account_id>/orders/<id:order_id>/", api.OrderDetailApi.as_view(), name="api-order"),
    path("accounts/<id:account_id>/orders/<id:order_id>/pay/", api.OrderPayApi.as_view(), name="api-order-pay"),
    path(
        "accounts/<id:account_id>/orders/<id:order_id>/cancel/", api.OrderCancelApi.as_view(), name="api-order-cancel"
    ),
    path("accounts/<id:account_id>/packages/", api.PackageListApi.as_view(), name="api-packages"),
    path("accounts/<id:account_id>/packages/<id:package_id>/renew/", api.PackageRenewApi.as_view(),
         name="api-package-renew"),
    path("accounts/<id:account_id>/packages/<id:package_id>/auto-renew/", api.PackageAutoRenewApi.as_view(),
         name="api-package-auto-renew"),
]
