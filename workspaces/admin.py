from typing import cast

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.admin import FinanceModelAdmin, FinanceTabularInline, ReadOnlyAdminMixin
from workspaces.models import Account, Membership, Workspace, WorkspaceStoragePolicy
from workspaces.people_models import Invitation


class MembershipInline(FinanceTabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class WorkspaceInline(FinanceTabularInline):
    model = Workspace
    extra = 0
    fields = ["name", "plan", "status", "commercial_since", "locked_at"]
    readonly_fields = ["commercial_since", "locked_at", "status"]
    show_change_link = True


@admin.register(Account)
class AccountAdmin(FinanceModelAdmin):
    list_display = ["id", "name", "time_zone", "currency", "created_at"]
    search_fields = ["name", "id"]
    inlines = [MembershipInline, WorkspaceInline]


class StoragePolicyInline(ReadOnlyAdminMixin, FinanceTabularInline):
    """The storage-policy history, read-only: owners and administrators change it in the Fee Center (from the
    next billing day), so finance never rewrites a day already billed."""

    model = WorkspaceStoragePolicy
    extra = 0
    fields = ["billing_item", "storage_policy", "valid_from", "chosen_at"]
    readonly_fields = cast(list[str], fields)  # field names only
    ordering = ["billing_item__sort_order", "billing_item_id", "valid_from"]


@admin.register(Workspace)
class WorkspaceAdmin(FinanceModelAdmin):
    list_display = ["id", "name", "account", "plan", "status", "countdown_started_at", "locked_at"]
    list_filter = ["plan", "status"]
    search_fields = ["name", "account__name"]
    list_select_related = ["account"]
    readonly_fields = ["status", "countdown_started_at", "countdown_reminded_at", "locked_at", "commercial_since"]
    autocomplete_fields = ["account"]  # a select of every account would list 100,000 of them
    inlines = [StoragePolicyInline]


@admin.register(Membership)
class MembershipAdmin(FinanceModelAdmin):
    list_display = ["user", "account", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "account__name"]
    list_select_related = ["user", "account"]
    autocomplete_fields = ["user", "account"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Who invited whom, and who accepted each invitation as whom (an acceptance by a login whose email is not
    the invited address was confirmed explicitly by that person). Written only by the owners' actions."""

    list_display = ["id", "account", "email", "role", "status_label", "invited_by", "created_at", "accepted_by",
                    "accepted_as_email", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "account__name"]
    list_select_related = ["account", "invited_by", "accepted_by"]
    exclude = ["token_hash"]
    readonly_fields = ["account", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at",
                       "accepted_by", "accepted_as_email", "revoked_at"]

    @admin.display(description=_("status"))
    def status_label(self, obj: Invitation) -> str:
        return obj.get_status_display()

# Third-party apps in finance's admin name themselves in English only; templates/admin/app_list.html translates
# these names on display (the Chinese is in locale/).
THIRD_PARTY_ADMIN_NAMES = [
    gettext_noop("Axes"), gettext_noop("Otp_Static"), gettext_noop("Otp_Totp"), gettext_noop("Static devices"),
    gettext_noop("TOTP devices"), gettext_noop("Periodic_Tasks"), gettext_noop("Django_Celery_Beat"),
]
