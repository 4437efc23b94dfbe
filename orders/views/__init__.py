"""Fee Center pages of orders, one module per flow: the purchase wizard (wizard.py), the cashier
(cashier.py), the orders list and detail (lists.py), plan management (packages.py). Input is parsed by the
forms in orders/forms.py."""

from orders.views.cashier import OrderPayView
from orders.views.lists import OrderCancelView, OrderDetailView, OrderListView, OrderSuccessView
from orders.views.packages import PackageListView, PackageTrafficView, PackageUpgradeView, PackageWorkspacesView
from orders.views.renewal import PackageAutoRenewView, PackageRenewView
from orders.views.wizard import BuyConfirmView, BuyPlanView, BuyTrafficView, BuyWorkspacesView, TrafficQuoteView

__all__ = [
    "BuyConfirmView",
    "BuyPlanView",
    "BuyTrafficView",
    "BuyWorkspacesView",
    "OrderCancelView",
    "OrderDetailView",
    "OrderListView",
    "OrderPayView",
    "OrderSuccessView",
    "PackageAutoRenewView",
    "PackageListView",
    "PackageRenewView",
    "PackageTrafficView",
    "PackageUpgradeView",
    "PackageWorkspacesView",
    "TrafficQuoteView",
]
