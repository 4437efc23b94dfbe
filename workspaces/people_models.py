"""People: invitations to join an account and ownership transfers (imported by workspaces/models.py).

An invitation's token is random and only its SHA-256 is stored; the link in the mail is the only copy of the
token. A transfer is proposed by the owner and takes effect only when the administrator accepts it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.querysets import AccountScopedQuerySet
from workspaces.roles import Role


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class Invitation(models.Model):
    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.CASCADE, related_name="invitations", verbose_name=_("account"),
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token hash"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("accepted by")
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    # The email of the signed-in person who accepted, as it was then: it differs from `email` only when that
    # person confirmed that they accept an invitation sent to another address (finance reads it in admin).
    accepted_as_email = models.EmailField(_("accepted as"), blank=True, default="")

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["account_id", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["administrator", "member"]), name="invitation_role_not_owner"
            ),
            # One open invitation per address and account, even under concurrent invitations: an expired one is
            # closed (revoked_at = expires_at) before a new one is written (workspaces/people.py).
            models.UniqueConstraint(
                fields=["account", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_address",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} -> {self.account_id} ({self.role})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at and self.revoked_at < self.expires_at:  # closed at or after expiry: it had expired
            return InvitationStatus.REVOKED
        if self.revoked_at or self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return str(InvitationStatus(self.status).label)

    def get_role_display(self) -> str:
        return str(Role(self.role).label)


class OwnershipTransfer(models.Model):
    """The owner proposes, the administrator accepts; then the two swap roles."""

    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.CASCADE, related_name="ownership_transfers", verbose_name=_("account"),
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("from user"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("to user"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["account_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="ownership_transfer_one_pending_per_account",
            ),
            models.CheckConstraint(condition=~Q(from_user=models.F("to_user")), name="ownership_transfer_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_user_id} -> {self.to_user_id}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None
