"""Tenancy: the Account (one enterprise, the tenant), its members and their roles, and its workspaces."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.querysets import AccountScopedQuerySet


class Account(models.Model):
    """The billing-center account: the tenant. Everything a tenant sees is scoped to one of these."""

    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMINISTRATOR = "administrator", _("Administrator")
    MEMBER = "member", _("Member")


class Capability(models.TextChoices):
    """What a view needs. Roles grant capabilities in ROLE_CAPABILITIES (the only place that says so)."""

    VIEW_BILLING = "view_billing", _("See billing")
    MANAGE = "manage", _("Change settings that cost nothing")
    SPEND = "spend", _("Pay, recharge, buy")


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({Capability.VIEW_BILLING, Capability.MANAGE, Capability.SPEND}),
    Role.ADMINISTRATOR: frozenset({Capability.VIEW_BILLING, Capability.MANAGE}),
    Role.MEMBER: frozenset(),
}


class Membership(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="membership_unique_user_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.account} ({self.role})"

    def can(self, capability: str) -> bool:
        return capability in ROLE_CAPABILITIES[self.role]


class WorkspacePlan(models.TextChoices):
    FREE = "free", _("Free plan")
    COMMERCIAL = "commercial", _("Commercial plan")


class WorkspaceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COUNTDOWN = "countdown", _("Arrears countdown")
    LOCKED = "locked", _("Locked for arrears")


class WorkspaceQuerySet(AccountScopedQuerySet):
    def commercial(self) -> WorkspaceQuerySet:
        return self.filter(plan=WorkspacePlan.COMMERCIAL)


class Workspace(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="workspaces")
    name = models.CharField(_("name"), max_length=200)
    plan = models.CharField(_("plan"), max_length=16, choices=WorkspacePlan.choices, default=WorkspacePlan.FREE)
    commercial_since = models.DateTimeField(_("commercial since"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=WorkspaceStatus.choices, default=WorkspaceStatus.ACTIVE
    )
    # Arrears: when the 14-day countdown started, when the near-end reminder went out, when it was locked.
    countdown_started_at = models.DateTimeField(null=True, blank=True)
    countdown_reminded_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["account_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="workspace_unique_name_per_account"),
            models.CheckConstraint(
                condition=Q(plan="free") | Q(commercial_since__isnull=False),
                name="workspace_commercial_has_since",
            ),
            models.CheckConstraint(
                condition=~Q(status="locked") | Q(locked_at__isnull=False), name="workspace_locked_has_at"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_commercial(self) -> bool:
        return self.plan == WorkspacePlan.COMMERCIAL


class WorkspaceStoragePolicy(models.Model):
    """A workspace's chosen storage policy for one billing item; no row means the item's default policy."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="storage_policies")
    billing_item = models.ForeignKey("plans.BillingItem", on_delete=models.PROTECT)
    storage_policy = models.ForeignKey("plans.StoragePolicy", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "billing_item"], name="workspace_storage_policy_unique_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workspace}: {self.storage_policy}"
