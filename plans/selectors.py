"""Catalogue reads, with everything the price figures need prefetched (constant query count)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from plans.models import BillingItem, Plan, PlanCapacity, StoragePolicy, TrafficPackage


def billing_item_list() -> QuerySet[BillingItem]:
    return BillingItem.objects.prefetch_related("storage_policies").order_by("sort_order", "id")


def plan_list(*, on_sale_only: bool = True) -> QuerySet[Plan]:
    queryset = Plan.objects.prefetch_related(
        Prefetch(
            "capacities",
            queryset=PlanCapacity.objects.select_related("billing_item").prefetch_related(
                Prefetch("billing_item__storage_policies", queryset=StoragePolicy.objects.all())
            ),
        )
    ).order_by("rank")
    return queryset.filter(is_active=True) if on_sale_only else queryset


def traffic_package_list(*, on_sale_only: bool = True) -> QuerySet[TrafficPackage]:
    queryset = TrafficPackage.objects.select_related("billing_item").prefetch_related("discount_tiers")
    queryset = queryset.order_by("billing_item__sort_order")
    return queryset.filter(is_active=True) if on_sale_only else queryset
