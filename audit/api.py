"""GET /api/v1/accounts/{account_id}/audit/: the account's trail (owner only), newest first, paginated;
filters date_from, date_to (YYYY-MM-DD, account days, inclusive), kind, user; ?format=csv exports it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from audit import selectors
from audit.exports import audit_csv_response
from audit.filters import read_filters
from audit.kinds import ACCOUNT_KINDS
from audit.models import TrailEntry
from audit.serializers import AuditEventSerializer
from audit.views import CSV_MAX_ROWS
from core.api import CSV_FORMAT_PARAMETER, CSVExportMixin
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedListAPIView


@extend_schema(
    parameters=[
        OpenApiParameter("date_from", str, description="YYYY-MM-DD, inclusive"),
        OpenApiParameter("date_to", str, description="YYYY-MM-DD, inclusive"),
        OpenApiParameter("kind", str, enum=[k.value for k in ACCOUNT_KINDS]),
        OpenApiParameter("user", int, description="a member's user id"),
        CSV_FORMAT_PARAMETER,
    ],
    examples=[OpenApiExample("A role change", response_only=True, value={
        "at": "2026-11-21T09:30:00+08:00", "kind": "people", "model": "workspaces.Membership", "object_id": "12",
        "action": "update", "user_id": 3, "person": "owner", "url": "/api/v1/accounts/1/members/12/",
        "before": {"role": "member"}, "after": {"role": "administrator"}})],
)
class AuditEventListApi(CSVExportMixin, AccountScopedListAPIView):
    serializer_class = AuditEventSerializer
    read_capability = Capability.MANAGE_PEOPLE
    write_capability = Capability.MANAGE_PEOPLE

    def _events(self):
        params = self.request.query_params.copy()
        if "user" in params:
            params["person"] = params.pop("user")[-1]
        params.pop("format", None)
        params.pop("page", None)
        params.pop("page_size", None)
        people = selectors.people_choices(account=self.account)
        filters, form = read_filters(params, people=people)
        if params and not form.is_valid():
            raise ValidationError({("user" if k == "person" else k): v for k, v in form.errors.items()})
        return selectors.audit_event_list(account=self.account, **filters.as_kwargs())

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no account
            return TrailEntry.objects.none()
        return self._events()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = selectors.rows(page, account=self.account)
        data = AuditEventSerializer([row.__dict__ for row in rows], many=True).data
        return self.get_paginated_response(data)

    def csv_response(self):
        return audit_csv_response(filename=f"audit-{self.account.pk}.csv", account=self.account,
                                  rows=selectors.rows(self._events()[:CSV_MAX_ROWS], account=self.account))
