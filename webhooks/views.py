"""Fee Center pages of webhooks: /a/<account_id>/webhooks/. Owners and administrators see the endpoints and the
delivery log; only the owner registers, changes, deletes, rotates and resends (write capability spend); owners and
administrators send a test event (manage)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.pagination import EstimatedCountPaginator
from core.throttling import object_throttle_allows
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import WebhookDelivery, WebhookEndpoint
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404

SECRET_SESSION_KEY = "webhooks.new_secret"
PAGE_SIZE = 50


def _page(request, deliveries):
    return EstimatedCountPaginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))


def _remember_secret(request, endpoint: WebhookEndpoint) -> None:
    request.session[SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": endpoint.secret}


def _pop_secret(request, endpoint: WebhookEndpoint) -> str | None:
    stored = request.session.get(SECRET_SESSION_KEY)
    if stored and stored.get("endpoint") == endpoint.pk:
        del request.session[SECRET_SESSION_KEY]
        return stored.get("secret")
    return None


class _Base(AccountScopedMixin, TemplateView):
    form: EndpointForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.membership.can(Capability.SPEND)
        return context


class EndpointListView(_Base):
    template_name = "webhooks/endpoint_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", EndpointForm(initial={"is_active": True}))
        context["endpoints"] = selectors.endpoint_list(account=self.account)
        context["page"] = _page(self.request, selectors.delivery_list(account=self.account))
        context["deliveries"] = context["page"].object_list
        return context

    def post(self, request, account_id: int):
        form = self.form = EndpointForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            endpoint = services.endpoint_create(account=self.account, actor=request.user, url=data["url"],
                                                event_types=data["event_types"], description=data["description"])
            if not data["is_active"]:
                services.endpoint_update(endpoint=endpoint, is_active=False)
            _remember_secret(request, endpoint)
            messages.success(request, _("Endpoint registered."))
            return redirect("webhook-endpoint", account_id=self.account.pk, endpoint_id=endpoint.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def application_error(self, request, error: ApplicationError):
        """The service's refusal next to its field, the input kept (400)."""
        self.form.add_service_error(error)
        return self.render_to_response(self.get_context_data(form=self.form), status=400)


class EndpointDetailView(_Base):
    template_name = "webhooks/endpoint_detail.html"

    def endpoint(self) -> WebhookEndpoint:
        return get_scoped_or_404(WebhookEndpoint.objects.for_account(self.account), pk=self.kwargs["endpoint_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        endpoint = kwargs.get("endpoint") or self.endpoint()
        context["endpoint"] = endpoint
        context.setdefault("form", EndpointForm(initial={
            "url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types,
            "is_active": endpoint.is_active}))
        context["new_secret"] = _pop_secret(self.request, endpoint)
        context["page"] = _page(self.request, selectors.delivery_list(account=self.account, endpoint=endpoint))
        context["deliveries"] = context["page"].object_list
        return context

    def post(self, request, account_id: int, endpoint_id: int):
        endpoint = self.endpoint()
        form = self.form = EndpointForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.endpoint_update(endpoint=endpoint, url=data["url"], event_types=data["event_types"],
                                     description=data["description"], is_active=data["is_active"])
            messages.success(request, _("Endpoint saved."))
            return redirect("webhook-endpoint", account_id=self.account.pk, endpoint_id=endpoint.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def application_error(self, request, error: ApplicationError):
        """The service's refusal next to its field, the input kept (400); the endpoint as stored."""
        self.form.add_service_error(error)
        return self.render_to_response(self.get_context_data(form=self.form), status=400)


class EndpointRotateView(AccountScopedView):
    http_method_names = ["post"]

    def post(self, request, account_id: int, endpoint_id: int):
        endpoint = get_scoped_or_404(WebhookEndpoint.objects.for_account(self.account), pk=endpoint_id)
        endpoint = services.endpoint_rotate_secret(endpoint=endpoint)
        _remember_secret(request, endpoint)
        messages.success(request, _("New signing secret created."))
        return redirect("webhook-endpoint", account_id=self.account.pk, endpoint_id=endpoint.pk)


class EndpointSendTestView(AccountScopedView):
    """The "Send a test event" button: the same service and the same per-endpoint limit as the API."""

    http_method_names = ["post"]
    write_capability = Capability.MANAGE
    throttle_scope = "webhook_test"
    throttle_object_kwarg = "endpoint_id"

    def post(self, request, account_id: int, endpoint_id: int):
        endpoint = get_scoped_or_404(WebhookEndpoint.objects.for_account(self.account), pk=endpoint_id)
        allowed, wait = object_throttle_allows(request, self)
        if not allowed:
            messages.error(request, _("Too many test events for this endpoint: try again in %(seconds)s seconds.")
                           % {"seconds": wait or 60})
        else:
            services.endpoint_send_test(endpoint=endpoint)  # a disabled endpoint: the error's message (409)
            messages.success(request, _("A test event is on its way to this endpoint. Its delivery appears below."))
        return redirect("webhook-endpoint", account_id=self.account.pk, endpoint_id=endpoint.pk)

    def error_redirect_url(self) -> str:
        return reverse("webhook-endpoint", kwargs=self.kwargs)


class EndpointDeleteView(AccountScopedView):
    http_method_names = ["post"]

    def post(self, request, account_id: int, endpoint_id: int):
        endpoint = get_scoped_or_404(WebhookEndpoint.objects.for_account(self.account), pk=endpoint_id)
        services.endpoint_delete(endpoint=endpoint)
        messages.success(request, _("Endpoint deleted."))
        return redirect("webhook-list", account_id=self.account.pk)


class DeliveryDetailView(_Base):
    template_name = "webhooks/delivery_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["delivery"] = get_scoped_or_404(selectors.delivery_with_attempts(account=self.account),
                                                pk=self.kwargs["delivery_id"])
        return context


class DeliveryResendView(AccountScopedView):
    http_method_names = ["post"]

    def post(self, request, account_id: int, delivery_id: int):
        delivery = get_scoped_or_404(WebhookDelivery.objects.for_account(self.account), pk=delivery_id)
        services.delivery_resend(delivery=delivery)
        messages.success(request, _("The delivery is being sent again."))
        return redirect("webhook-delivery", account_id=self.account.pk, delivery_id=delivery.pk)
