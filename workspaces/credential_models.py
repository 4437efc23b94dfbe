"""A person's credentials besides the password (imported by workspaces/models.py so Django registers them).

- `ApiToken`: a named API token. The key is `fc_<prefix>_<secret>`; only the public prefix (for the lookup) and
  the SHA-256 of the whole key are stored, so the key is shown once, when it is made. Revoked tokens keep their
  row (revoked_at set) and never authenticate again.
- `SignInSession`: the session keys a person signed in with, so the events that end credentials (second
  factor turned on, password changed or reset) can end that person's other sessions whatever the session
  engine.
- `SpentRecoveryCode`: the SHA-256 of each recovery code already used, so a second try says "already used"
  rather than "wrong code". Cleared when new recovery codes are made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, verbose_name=_("key hash"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["user_id", "-id"]
        indexes = [models.Index(fields=["user"], condition=Q(revoked_at__isnull=True), name="apitoken_active_user")]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="apitoken_name_not_empty"),
            models.CheckConstraint(condition=Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="apitoken_key_hash_sha256"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class SignInSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"),
    )
    session_key = models.CharField(max_length=64, unique=True, verbose_name=_("session key"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    def __str__(self) -> str:
        return f"session of {self.user_id}"


class SpentRecoveryCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"),
    )
    code_hash = models.CharField(max_length=64, verbose_name=_("code hash"))
    spent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("spent at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="spent_recovery_code_once")]

    def __str__(self) -> str:
        return f"spent recovery code of {self.user_id}"
