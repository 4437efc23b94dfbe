"""The Fee Center page of the trail: /a/<account_id>/audit/ (owner only: the manage_people capability), with
filters and ?format=csv."""

from __future__ import annotations

from django.views.generic import TemplateView

from audit import selectors
from audit.exports import audit_csv_response
from audit.filters import read_filters
from core.pagination import EstimatedCountPaginator
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedMixin

PAGE_SIZE = 50
CSV_MAX_ROWS = 50000


class AuditTrailView(AccountScopedMixin, TemplateView):
    template_name = "audit/trail.html"
    read_capability = Capability.MANAGE_PEOPLE
    write_capability = Capability.MANAGE_PEOPLE

    def get(self, request, *args, **kwargs):
        people = selectors.people_choices(account=self.account)
        filters, form = read_filters(request.GET, people=people)
        events = selectors.audit_event_list(account=self.account, **filters.as_kwargs())
        if request.GET.get("format") == "csv":
            return audit_csv_response(filename=f"audit-{self.account.pk}.csv", account=self.account,
                                      rows=selectors.rows(events[:CSV_MAX_ROWS], account=self.account))
        page = EstimatedCountPaginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        rows = selectors.rows(page.object_list, account=self.account)
        context = self.get_context_data(form=form, page=page, rows=rows, query=query.urlencode())
        return self.render_to_response(context)
