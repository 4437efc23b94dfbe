"""People pages under /a/<account_id>/people/ (owners and administrators see them; only owners change them),
the Member's landing content, and the public invitation page /invitations/<token>/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.pages import ApplicationErrorPageMixin
from core.pagination import EstimatedCountPaginator
from core.parsing import parse_id
from workspaces import people, people_selectors
from workspaces.models import Capability, Membership, Role
from workspaces.people_models import Invitation, OwnershipTransfer
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404

PAGE_SIZE = 50  # members and pending invitations, each list paged on its own


def member_home_context(account, membership) -> dict:
    """What a Member may see: the account, their role, the workspaces' names and whom to ask."""
    return {
        "workspace_names": people_selectors.workspace_names(account=account),
        "owners": people_selectors.owners(account=account),
    }


def _invite_values(request) -> dict[str, str]:
    return {"email": request.POST.get("email", ""), "role": request.POST.get("role", "")}


class PeopleView(AccountScopedMixin, TemplateView):
    """GET: members, pending invitations, the pending transfer. POST: invite (owner only)."""

    template_name = "workspaces/people/people.html"
    read_capability = Capability.MANAGE
    write_capability = Capability.MANAGE_PEOPLE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        get = self.request.GET.get
        members = EstimatedCountPaginator(people_selectors.member_list(account=self.account), PAGE_SIZE)
        invitations = EstimatedCountPaginator(
            people_selectors.invitation_list(account=self.account, pending_only=True), PAGE_SIZE)
        context["members_page"] = members.get_page(get("page"))
        context["members"] = context["members_page"].object_list
        context["invitations_page"] = invitations.get_page(get("invitations_page"))
        context["invitations"] = context["invitations_page"].object_list
        context["transfer"] = people_selectors.pending_transfer(account=self.account)
        context["can_manage_people"] = self.membership.can(Capability.MANAGE_PEOPLE)
        context["invitable_roles"] = [(r.value, r.label) for r in people.INVITABLE_ROLES]
        context.setdefault("form_values", {"role": Role.MEMBER})
        context.setdefault("form_errors", {})
        return context

    def application_error(self, request, error: ApplicationError):
        """The invitation form again, its input kept and the error next to its field (400)."""
        messages.error(request, error.message)
        context = self.get_context_data(form_values=_invite_values(request), form_errors=error.fields)
        return self.render_to_response(context, status=400)

    def post(self, request, account_id: int):
        invitation = people.invitation_create(account=self.account, invited_by=request.user, **_invite_values(request))
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("people", account_id=self.account.pk)


class _PeopleAction(AccountScopedView):
    http_method_names = ["post"]
    write_capability = Capability.MANAGE_PEOPLE

    def error_redirect_url(self) -> str:
        return reverse("people", kwargs={"account_id": self.account.pk})

    def done(self, request, call, success: str):
        call()
        messages.success(request, success)
        return redirect("people", account_id=self.account.pk)


class InvitationRevokeView(_PeopleAction):
    def post(self, request, account_id: int, invitation_id: int):
        invitation = get_scoped_or_404(Invitation.objects.for_account(self.account), pk=invitation_id)
        return self.done(request, lambda: people.invitation_revoke(invitation=invitation),
                         _("Invitation to %(email)s revoked.") % {"email": invitation.email})


class MembershipRoleView(_PeopleAction):
    def post(self, request, account_id: int, membership_id: int):
        target = get_scoped_or_404(Membership.objects.filter(account=self.account), pk=membership_id)
        role = request.POST.get("role", "")
        new_role = Role(role).label if role in Role.values else role
        return self.done(
            request,
            lambda: people.membership_change_role(account=self.account, membership=target, role=role, by=request.user),
            _("%(name)s is now %(role)s.") % {"name": target.user.get_username(), "role": new_role},
        )


class MembershipRemoveView(_PeopleAction):
    def post(self, request, account_id: int, membership_id: int):
        target = get_scoped_or_404(Membership.objects.filter(account=self.account), pk=membership_id)
        return self.done(
            request, lambda: people.membership_remove(account=self.account, membership=target, by=request.user),
            _("%(name)s no longer has access to this account.") % {"name": target.user.get_username()},
        )


class TransferProposeView(_PeopleAction):
    def post(self, request, account_id: int):
        target = get_scoped_or_404(Membership.objects.filter(account=self.account),
                                   pk=parse_id(request.POST.get("membership")) or 0)
        return self.done(
            request, lambda: people.ownership_transfer_propose(account=self.account, by=request.user, to=target),
            _("Transfer proposed. %(name)s must accept it on the People page.") % {"name": target.user.get_username()},
        )


class TransferAnswerView(_PeopleAction):
    """accept: the administrator it was offered to; cancel: either of the two people."""

    write_capability = Capability.SEE_ACCOUNT  # the service checks that the caller is one of the two people

    def post(self, request, account_id: int, transfer_id: int, answer: str):
        transfer = get_scoped_or_404(OwnershipTransfer.objects.for_account(self.account), pk=transfer_id)
        if answer == "accept":
            return self.done(request, lambda: people.ownership_transfer_accept(transfer=transfer, by=request.user),
                             _("You are now the owner of this account."))
        return self.done(request, lambda: people.ownership_transfer_cancel(transfer=transfer, by=request.user),
                         _("The transfer was cancelled."))


class InvitationAcceptView(ApplicationErrorPageMixin, View):
    """Public: shows the invitation; a signed-in person accepts, a new person signs up and accepts."""

    template_name = "workspaces/people/invitation_accept.html"

    def get(self, request, token: str):
        return self._page(request, token)

    def application_error(self, request, error: ApplicationError):
        return self._page(request, self.kwargs["token"], error=error, status=400)

    def post(self, request, token: str):
        if request.user.is_authenticated:
            membership = people.invitation_accept(
                token=token, user=request.user, confirm_other_email=request.POST.get("confirm_other_email") == "1"
            )
        else:
            membership = people.invitation_accept_new_user(
                token=token, username=request.POST.get("username", ""),
                password=request.POST.get("password", ""), password_again=request.POST.get("password_again", ""),
            )
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to %(name)s.") % {"name": membership.account.name})
        return redirect("account-home", account_id=membership.account_id)

    def _page(self, request, token, *, error=None, status=200):
        invitation = people.invitation_for_token(token)
        usable = invitation is not None and invitation.status == "pending"
        user = request.user
        signed_in = usable and user.is_authenticated
        context = {
            "invitation": invitation if usable else None,
            "invalid": not usable,
            # A signed-in visitor: already in the account (nothing to accept), or another address than the invited
            # one (they must confirm explicitly, the service refuses otherwise).
            "already_member": signed_in and Membership.objects.filter(account=invitation.account, user=user).exists(),
            "email_mismatch": signed_in and not people.email_matches(invitation, user),
            "error": error,
            "form_errors": getattr(error, "fields", {}) if error else {},
            "username": request.POST.get("username", ""),
        }
        return render(request, self.template_name, context, status=status if usable else max(status, 410))
