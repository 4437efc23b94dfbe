"""Fee Center pages of the quota app: consumption details (daily bills and their lines) and usage against
quota with charts."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.days import account_today
from core.pagination import EstimatedCountPaginator
from core.parsing import parse_day
from orders.models import Package
from plans.models import BillingItem
from quota import selectors
from workspaces.tenancy import AccountScopedMixin, get_scoped_or_404

MAX_RANGE_DAYS = 92
LINES_PER_PAGE = 50


_parse_day = parse_day


class BillListView(AccountScopedMixin, TemplateView):
    """Consumption details: the daily bills, newest first, with a date filter."""

    template_name = "quota/bill_list.html"
    paginate_by = 31

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        errors = []
        params = self.request.GET
        date_from, date_to = _parse_day(params.get("date_from")), _parse_day(params.get("date_to"))
        if (params.get("date_from") and date_from is None) or (params.get("date_to") and date_to is None):
            errors.append(_("Enter dates as YYYY-MM-DD."))
        if date_from and date_to and date_from > date_to:
            errors.append(_("The start date is after the end date."))
            date_from = date_to = None
        bills = selectors.bills_daily(account=self.account, date_from=date_from, date_to=date_to)
        page = EstimatedCountPaginator(bills.prefetch_related(None), self.paginate_by).get_page(params.get("page"))
        query = "&".join(
            f"{k}={v.isoformat()}" for k, v in (("date_from", date_from), ("date_to", date_to)) if v
        )
        context.update(page=page, bills=page.object_list, date_from=date_from, date_to=date_to, errors=errors,
                       query=query)
        return context


class BillDetailView(AccountScopedMixin, TemplateView):
    template_name = "quota/bill_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bill = selectors.bill_detail(account=self.account, bill_id=self.kwargs["bill_id"], with_lines=False)
        if bill is None:
            raise Http404
        context["bill"] = bill
        context["page"] = EstimatedCountPaginator(selectors.bill_lines(bill=bill), LINES_PER_PAGE).get_page(
            self.request.GET.get("page"))
        context["lines"] = context["page"].object_list
        context["settlements"] = bill.settlements.all()
        return context


class UsageView(AccountScopedMixin, TemplateView):
    """Usage against quota per billing item, per day and per workspace, with charts."""

    template_name = "quota/usage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        today = account_today(self.account)
        date_to = _parse_day(params.get("date_to")) or today - timedelta(days=1)
        date_from = _parse_day(params.get("date_from")) or date_to - timedelta(days=13)
        errors = []
        if date_from > date_to:
            errors.append(_("The start date is after the end date."))
            date_from = date_to - timedelta(days=13)
        if (date_to - date_from).days >= MAX_RANGE_DAYS:
            errors.append(_("At most %(days)s days at a time.") % {"days": MAX_RANGE_DAYS})
            date_from = date_to - timedelta(days=MAX_RANGE_DAYS - 1)
        quota = selectors.quota_usage(account=self.account, date_from=date_from, date_to=date_to)
        items = list(BillingItem.objects.order_by("sort_order", "id"))
        selected = next((i for i in items if i.code == params.get("item")), None) or next(
            (i for i in items if i.code == "log"), items[0] if items else None
        )
        chart = {"labels": [], "covered": [], "overage": [], "payg": [], "capacity": [], "usage": []}
        for entry in quota["items"]:
            if selected and entry["item"].pk == selected.pk:
                for d in entry["days"]:
                    chart["labels"].append(d["day"].isoformat())
                    chart["covered"].append(d["covered"])
                    chart["overage"].append(d["overage"])
                    chart["payg"].append(d["payg"])
                    chart["capacity"].append(d["capacity"])
                    chart["usage"].append(d["usage"])
        by_workspace = (
            selectors.usage_by_workspace(account=self.account, item_id=selected.pk, date_from=date_from,
                                         date_to=date_to)
            if selected else {"days": [], "workspaces": []}
        )
        workspace_chart = {
            "labels": [d.isoformat() for d in by_workspace["days"]],
            "series": [{"label": w["name"], "data": w["values"]} for w in by_workspace["workspaces"]],
        }
        context.update(
            quota=quota, items=items, selected=selected, chart=chart, by_workspace=by_workspace,
            workspace_chart=workspace_chart, date_from=date_from, date_to=date_to, errors=errors,
        )
        return context


class PackageUsageView(AccountScopedMixin, TemplateView):
    """The quota-use fragment of one package, loaded by plan management when its card is shown (htmx), so the
    plan management list keeps a constant number of queries."""

    template_name = "quota/_package_usage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        package = get_scoped_or_404(Package.objects.for_account(self.account), pk=self.kwargs["package_id"])
        context["rows"] = selectors.package_quota(package=package)
        return context
