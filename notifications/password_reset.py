"""Password reset through the one mail sender: Django's PasswordResetForm finds the users and builds the
token; this form renders the message with notifications.mail instead of Django's own sending."""

from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.mail import send_email


class FeeCenterPasswordResetForm(PasswordResetForm):
    def save(self, domain_override=None, subject_template_name="registration/password_reset_subject.txt",
             email_template_name="registration/password_reset_email.txt", use_https=False,
             token_generator=default_token_generator, from_email=None, request=None,
             html_email_template_name=None, extra_email_context=None) -> None:
        """Mail a reset link to each active user with a usable password and this address (none: nothing is
        sent, and the page says the same either way)."""
        email = self.cleaned_data["email"]
        domain = domain_override or (request.get_host() if request is not None else "localhost")
        protocol = "https" if use_https else "http"
        for user in self.get_users(email):
            context = {
                "email": email, "domain": domain, "site_name": domain, "user": user, "protocol": protocol,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": token_generator.make_token(user),
                **(extra_email_context or {}),
            }
            send_email(to=[getattr(user, user.get_email_field_name())], subject_template=subject_template_name,
                       body_template=email_template_name, context=context)
