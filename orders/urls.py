from django.urls import path

from orders import views

urlpatterns = [
    path("orders/buy/", views.BuyPlanView.as_view(), name="orders-buy"),
    path("orders/buy/traffic/", views.BuyTrafficView.as_view(), name="orders-buy-traffic"),
    path("orders/buy/traffic/quote/", views.TrafficQuoteView.as_view(), name="orders-traffic-quote"),
    path("orders/buy/workspaces/", views.BuyWorkspacesView.as_view(), name="orders-buy-workspaces"),
    path("orders/buy/confirm/", views.BuyConfirmView.as_view(), name="orders-buy-confirm"),
    path("orders/", views.OrderListView.as_view(), name="orders-list"),
    path("orders/<id:order_id>/", views.OrderDetailView.as_view(), name="orders-detail"),
    path("orders/<id:order_id>/pay/", views.OrderPayView.as_view(), name="orders-pay"),
    path("orders/<id:order_id>/success/", views.OrderSuccessView.as_view(), name="orders-success"),
    path("orders/<id:order_id>/cancel/", views.OrderCancelView.as_view(), name="orders-cancel"),
    path("packages/", views.PackageListView.as_view(), name="orders-packages"),
    path(
        "packages/<id:package_id>/workspaces/", views.PackageWorkspacesView.as_view(), name="orders-package-workspaces"
    ),
    path("packages/<id:package_id>/upgrade/", views.PackageUpgradeView.as_view(), name="orders-package-upgrade"),
    path("packages/<id:package_id>/traffic/", views.PackageTrafficView.as_view(), name="orders-package-traffic"),
    path("packages/<id:package_id>/renew/", views.PackageRenewView.as_view(), name="orders-package-renew"),
    path("packages/<id:package_id>/auto-renew/", views.PackageAutoRenewView.as_view(),
         name="orders-package-auto-renew"),
]
