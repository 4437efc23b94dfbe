"""THE tenant-scoping mechanism. Every page and endpoint under an account resolves the caller's membership
here, from the `account_id` URL argument:

- not a member (or no such account, or a malformed id): 404, exactly as if it did not exist;
- a member whose role lacks the view's capability: 403.

API views subclass `AccountScopedAPIView`; pages subclass `AccountScopedView` (or use `AccountScopedMixin`).
Both set `self.account` and `self.membership`. Objects are then fetched from the account's querysets
(`Model.objects.for_account(self.account)`), so another account's object is a 404 too. A test walks every URL
pattern with an `account_id` and checks the views use this mechanism (tests/test_tenancy_crawl.py)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.views import View
from rest_framework.generics import ListAPIView
from rest_framework.views import APIView

from core.pages import ApplicationErrorPageMixin
from workspaces.models import Account, Capability, Membership

_M = TypeVar("_M", bound=Model)


def resolve_membership(user: Any, account_id: Any) -> Membership:
    """The caller's membership of the account, or Http404 for anything else."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        account_pk = int(account_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < account_pk < 2**63:
        raise Http404
    membership = (
        Membership.objects.select_related("account").filter(user=user, account_id=account_pk).first()
    )
    if membership is None:
        raise Http404
    return membership


def require(membership: Membership, capability: str) -> None:
    if not membership.can(capability):
        raise PermissionDenied("Your role in this account does not allow this.")


def get_scoped_or_404(queryset: QuerySet[_M], **lookup: Any) -> _M:
    """Fetch one object from an already account-scoped queryset; anything missing or malformed is a 404."""
    for value in lookup.values():
        if isinstance(value, int) and not 0 < value < 2**63:
            raise Http404
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


class TenantScoped:
    """Marker and capability rules shared by every account-scoped view (pages and API)."""

    #: capability needed per HTTP method; a view may override either entry.
    read_capability: str = Capability.VIEW_BILLING
    write_capability: str = Capability.SPEND
    account: Account
    membership: Membership
    scoped = True  # marker checked by the URL crawl test

    def capability_for(self, method: str) -> str:
        return self.read_capability if method in ("GET", "HEAD", "OPTIONS") else self.write_capability


class _ScopedAPIMixin(TenantScoped):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authentication, throttling first
        self.membership = resolve_membership(request.user, kwargs.get("account_id"))
        self.account = self.membership.account
        require(self.membership, self.capability_for(request.method))


class AccountScopedAPIView(_ScopedAPIMixin, APIView):
    """An endpoint under /api/v1/accounts/{account_id}/."""


class AccountScopedListAPIView(_ScopedAPIMixin, ListAPIView):
    """A paginated list under an account. Subclasses implement `get_account_queryset()`, scoped to
    self.account."""

    def get_account_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no account
            model = self.get_serializer_class().Meta.model  # type: ignore[attr-defined]  # stubs: BaseSerializer has no Meta
            return model.objects.none()
        return self.get_account_queryset()


class AccountScopedMixin(LoginRequiredMixin, TenantScoped, ApplicationErrorPageMixin):
    """For Django class-based pages. An ApplicationError raised by the page is answered by
    `application_error()` (core.pages), after the caller's membership is resolved."""

    request: HttpRequest  # set by View.setup
    kwargs: dict[str, Any]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = resolve_membership(request.user, kwargs.get("account_id"))
        self.account = self.membership.account
        request.account = self.account
        request.membership = self.membership
        require(self.membership, self.capability_for(request.method))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["account"] = self.account
        context["membership"] = self.membership
        context["can_spend"] = self.membership.can(Capability.SPEND)
        context["can_manage"] = self.membership.can(Capability.MANAGE)
        return context


class AccountScopedView(AccountScopedMixin, View):
    pass
