from django.contrib import admin

from plans.models import BillingItem, Plan, PlanCapacity, StoragePolicy, TrafficDiscountTier, TrafficPackage


class StoragePolicyInline(admin.TabularInline):
    model = StoragePolicy
    extra = 0


@admin.register(BillingItem)
class BillingItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "pricing_unit", "unit_label", "voucher_payable", "sort_order"]
    inlines = [StoragePolicyInline]


class PlanCapacityInline(admin.TabularInline):
    model = PlanCapacity
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "price", "rank", "validity_days", "is_active"]
    inlines = [PlanCapacityInline]


class DiscountInline(admin.TabularInline):
    model = TrafficDiscountTier
    extra = 0


@admin.register(TrafficPackage)
class TrafficPackageAdmin(admin.ModelAdmin):
    list_display = ["billing_item", "basic_unit", "minimum_capacity", "unit_price", "is_active"]
    list_select_related = ["billing_item"]
    inlines = [DiscountInline]
