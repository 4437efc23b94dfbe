"""Row locks of orders' own documents. They come after the wallet, cards and vouchers (payments/locks.py):

    Wallet rows by account id  ->  PrepaidCard rows by id  ->  Voucher rows by id  ->  Order  ->  Package
    ->  PackageWorkspace rows

Call these inside a transaction."""

from __future__ import annotations

from django.db.models import Q

from orders.models import Order, OrderStatus, Package, PackageWorkspace


def lock_order(order_id: int, *, related: tuple[str, ...] = ()) -> Order:
    """The order row (only the order's row, not its joined ones)."""
    return Order.objects.select_for_update(of=("self",)).select_related(*related).get(pk=order_id)


def lock_package(package_id: int, *, related: tuple[str, ...] = ()) -> Package:
    return Package.objects.select_for_update(of=("self",)).select_related(*related).get(pk=package_id)


def lock_paid_orders(package: Package) -> list[Order]:
    """The paid orders of a package, by id (a refund returns each of them)."""
    return list(
        Order.objects.select_for_update(of=("self",)).select_related("payment")
        .filter(package=package, status=OrderStatus.PAID).order_by("pk")
    )


def lock_open_workspace_rows(package: Package) -> list[PackageWorkspace]:
    """The package's current workspace rows (open, or closed on its end day once renewed), by position."""
    return list(
        PackageWorkspace.objects.select_for_update()
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=package.ends_on), package=package)
        .order_by("position")
    )
