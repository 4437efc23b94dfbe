"""Finance's catalogue admin (docs/RULES-plans.md "Changing the catalogue").

The identities (billing items, storage policies, plans, traffic packages) show their versions as history
(in force, past and announced) with a link to each. Finance changes a figure by adding a version effective
from the furthest-ahead zone's today or later (`plans.selectors.catalogue_freeze_day`, UTC+14: no account has
billed that day yet). A version whose day has come there is read-only here and frozen in the database (trigger);
an announced one can still be edited or withdrawn until its day.

A form validated just before midnight (UTC+14) and saved just after it is refused by the trigger: the admin
turns that refusal into an error next to the day (or a message, for an edit of a version now frozen), never
a 500."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import FinanceModelAdmin, FinanceTabularInline
from plans.models import (
    BillingItem,
    Plan,
    PlanVersion,
    PlanVersionCapacity,
    StoragePolicy,
    StoragePolicyVersion,
    TrafficPackage,
    TrafficPackageVersion,
    TrafficVersionTier,
)
from plans.selectors import catalogue_freeze_day, freeze_day_in_database, is_frozen

# SQLSTATE of the freeze triggers' refusals (plans/0003: ERRCODE integrity_constraint_violation)
FREEZE_REFUSED_SQLSTATE = "23000"


def earliest_day_message(day) -> str:
    return _(
        "A version takes effect on %(day)s or later: that day has not begun in any time zone yet; "
        "the past is never repriced."
    ) % {"day": day.isoformat()}


class VersionForm(forms.ModelForm):
    # set (by VersionAdmin.get_form) when the database refused the save of this very form: shown next to the day
    refused: str | None = None

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        earliest = catalogue_freeze_day()
        if day < earliest:
            raise forms.ValidationError(earliest_day_message(earliest))
        return day

    def clean(self):
        cleaned = super().clean()
        if self.refused and "effective_from" not in self.errors:
            self.add_error("effective_from", self.refused)
        return cleaned


class VersionAdmin(FinanceModelAdmin):
    """A version is editable and deletable until its day comes; then read-only."""

    form = VersionForm
    date_hierarchy = "effective_from"
    readonly_fields = ["created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, "catalogue_refused", None)
        if refused:
            return type(form.__name__, (form,), {"refused": refused})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            if request.method != "POST":
                raise
            # Validated before midnight (UTC+14), saved after it: the day came in between and the trigger refused
            # (or another save took the same day meanwhile). The admin's transaction is rolled back: nothing saved.
            cause = error.__cause__
            if (getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)) == FREEZE_REFUSED_SQLSTATE:
                message = earliest_day_message(freeze_day_in_database())
            else:
                message = _("This version could not be saved: another change was saved meanwhile. Check the "
                            "day and try again.")
            obj = self.get_object(request, object_id) if object_id else None
            if obj is not None and is_frozen(obj):
                # an announced version whose day came while it was edited: now read-only, shown as such
                messages.error(request, _("Not saved: this version took effect meanwhile and can no longer "
                                          "change."))
                return HttpResponseRedirect(request.path)
            request.catalogue_refused = message  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and is_frozen(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and is_frozen(obj))

    @admin.display(description=gettext_lazy("status"))
    def status(self, obj) -> str:
        return _("announced") if not is_frozen(obj) else _("in force or past")


class FrozenChildInline(FinanceTabularInline):
    """Rows of a version (capacities, tiers): editable with their version only."""

    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or not is_frozen(obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


class HistoryInline(FinanceTabularInline):
    """An identity's versions, oldest first, each linking to its page (read-only here)."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# What a night reads of an item, a policy or a traffic package besides its dated versions: changing one of
# these would reprice days already billed when they are re-run, so they are set once, when it is created.
BILLED_ITEM_FIELDS = ["code", "pricing_unit", "voucher_payable"]
BILLED_POLICY_FIELDS = ["is_default", "retention_days"]


class StoragePolicyInline(FinanceTabularInline):
    model = StoragePolicy
    extra = 0
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        # obj is the billing item: its existing policies keep how they bill
        return [*super().get_readonly_fields(request, obj), *(BILLED_POLICY_FIELDS if obj else [])]

    def has_add_permission(self, request, obj=None):
        # with the item: here; later: on the storage policy's own add page (where its fields are open)
        return obj is None and super().has_add_permission(request, obj)


@admin.display(description=gettext_lazy("name"), ordering="name")
def translated_name(obj) -> str:
    """The seeded catalogue names in the reader's language (plans/catalogue_i18n.py); others as entered."""
    return _(obj.name) if obj.name else ""


@admin.display(description=gettext_lazy("unit label"), ordering="unit_label")
def translated_unit_label(obj) -> str:
    return _(obj.unit_label) if obj.unit_label else ""


@admin.register(BillingItem)
class BillingItemAdmin(FinanceModelAdmin):
    list_display = ["code", translated_name, "pricing_unit", translated_unit_label, "voucher_payable", "sort_order"]
    inlines = [StoragePolicyInline]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *(BILLED_ITEM_FIELDS if obj else [])]


class StoragePolicyHistory(HistoryInline):
    model = StoragePolicyVersion
    fields = ["effective_from", "price", "conversion_factor"]
    readonly_fields = cast(list[str], fields)  # field names only


@admin.register(StoragePolicy)
class StoragePolicyAdmin(FinanceModelAdmin):
    list_display = ["__str__", "retention_days", "is_default"]
    list_select_related = ["billing_item"]
    inlines = [StoragePolicyHistory]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *(["billing_item", *BILLED_POLICY_FIELDS] if obj else [])]


@admin.register(StoragePolicyVersion)
class StoragePolicyVersionAdmin(VersionAdmin):
    list_display = ["storage_policy", "effective_from", "price", "conversion_factor", "status"]
    list_select_related = ["storage_policy__billing_item"]
    list_filter = ["storage_policy__billing_item"]


class PlanHistory(HistoryInline):
    model = PlanVersion
    fields = ["effective_from", "price"]
    readonly_fields = cast(list[str], fields)  # field names only


@admin.register(Plan)
class PlanAdmin(FinanceModelAdmin):
    list_display = ["code", translated_name, "rank", "validity_days", "is_active"]
    inlines = [PlanHistory]


class PlanVersionCapacityInline(FrozenChildInline):
    model = PlanVersionCapacity


@admin.register(PlanVersion)
class PlanVersionAdmin(VersionAdmin):
    list_display = ["plan", "effective_from", "price", "status"]
    list_select_related = ["plan"]
    list_filter = ["plan"]
    inlines = [PlanVersionCapacityInline]


class TrafficHistory(HistoryInline):
    model = TrafficPackageVersion
    fields = ["effective_from", "unit_price", "minimum_capacity"]
    readonly_fields = cast(list[str], fields)  # field names only


@admin.register(TrafficPackage)
class TrafficPackageAdmin(FinanceModelAdmin):
    list_display = ["billing_item", "basic_unit", "is_active"]
    list_select_related = ["billing_item"]
    inlines = [TrafficHistory]

    def get_readonly_fields(self, request, obj=None):
        # sold capacities are multiples of the basic unit: it is set once
        return [*super().get_readonly_fields(request, obj), *(["billing_item", "basic_unit"] if obj else [])]


class TierInline(FrozenChildInline):
    model = TrafficVersionTier


@admin.register(TrafficPackageVersion)
class TrafficPackageVersionAdmin(VersionAdmin):
    list_display = ["traffic_package", "effective_from", "unit_price", "minimum_capacity", "status"]
    list_select_related = ["traffic_package__billing_item"]
    list_filter = ["traffic_package"]
    inlines = [TierInline]
