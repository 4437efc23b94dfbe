"""Tenancy: the Account (one enterprise, the tenant), its members and their roles, and its workspaces."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.querysets import AccountScopedQuerySet
from workspaces.roles import Role


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


class Capability(models.TextChoices):
    """What a view needs. Roles grant capabilities in ROLE_CAPABILITIES (the only place that says so)."""

    VIEW_BILLING = "view_billing", _("See billing")
    MANAGE = "manage", _("Change settings that cost nothing")
    SPEND = "spend", _("Pay, recharge, buy")
    SEE_ACCOUNT = "see_account", _("See the account, its workspaces and its people")
    MANAGE_PEOPLE = "manage_people", _("Invite and remove people, change roles, transfer ownership")


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(
        {Capability.VIEW_BILLING, Capability.MANAGE, Capability.SPEND, Capability.SEE_ACCOUNT, Capability.MANAGE_PEOPLE}
    ),
    Role.ADMINISTRATOR: frozenset({Capability.VIEW_BILLING, Capability.MANAGE, Capability.SEE_ACCOUNT}),
    Role.MEMBER: frozenset({Capability.SEE_ACCOUNT}),
}


class Membership(models.Model):
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("account"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["account_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="membership_unique_user_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.account} ({self.get_role_display()})"

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
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="workspaces", verbose_name=_("account"))
    name = models.CharField(_("name"), max_length=200)
    plan = models.CharField(_("plan"), max_length=16, choices=WorkspacePlan.choices, default=WorkspacePlan.FREE)
    commercial_since = models.DateTimeField(_("commercial since"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=WorkspaceStatus.choices, default=WorkspaceStatus.ACTIVE
    )
    # Arrears: when the 14-day countdown started, when the near-end reminder went out, when it was locked.
    countdown_started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("countdown started at"))
    countdown_reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("countdown reminded at"))
    locked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("locked at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["account_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="workspace_unique_name_per_account"),
            # What a usage record's composite foreign key (workspace, account) references (quota migration 0008).
            models.UniqueConstraint(fields=["id", "account"], name="workspace_id_account_pair"),
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


class WorkspaceStoragePolicyQuerySet(AccountScopedQuerySet):
    def for_account(self, account) -> WorkspaceStoragePolicyQuerySet:
        return self.filter(workspace__account=account)


class WorkspaceStoragePolicy(models.Model):
    """A workspace's storage policy for one billing item from `valid_from` on (a history, docs/RULES-quota.md
    "Storage policies"). The policy in force on a day D is the row with the greatest valid_from <= D; with no
    such row, the item's default policy. A change applies from the account's next billing day, so a row whose
    day has begun is never edited: bills already computed re-run the same."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="storage_policies", verbose_name=_("workspace"),
    )
    billing_item = models.ForeignKey("plans.BillingItem", on_delete=models.PROTECT, verbose_name=_("billing item"))
    storage_policy = models.ForeignKey(
        "plans.StoragePolicy", on_delete=models.PROTECT, verbose_name=_("storage policy"),
    )
    valid_from = models.DateField(_("valid from"))
    chosen_at = models.DateTimeField(_("chosen at"), auto_now=True)

    objects = WorkspaceStoragePolicyQuerySet.as_manager()

    class Meta:
        ordering = ["workspace_id", "billing_item_id", "valid_from"]
        verbose_name = _("workspace storage policy")
        verbose_name_plural = _("workspace storage policies")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "billing_item", "valid_from"], name="workspace_storage_policy_unique_day"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(workspace)s: %(policy)s from %(day)s") % {
            "workspace": self.workspace, "policy": self.storage_policy, "day": f"{self.valid_from:%Y-%m-%d}"}


# People (invitations, ownership transfers) live in their own module; imported here so Django registers them.
# A person's API tokens, sign-in sessions and spent recovery codes (workspaces/credential_models.py).
from workspaces.credential_models import ApiToken, SignInSession, SpentRecoveryCode  # noqa: E402, F401
from workspaces.people_models import Invitation, InvitationStatus, OwnershipTransfer  # noqa: E402, F401
from workspaces.preference_models import UserPreference  # noqa: E402, F401
