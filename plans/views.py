from django.views.generic import TemplateView

from plans import selectors


class CatalogueView(TemplateView):
    """The public page comparing the three annual packages."""

    template_name = "plans/catalogue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = list(selectors.plan_list())
        items = list(selectors.billing_item_list())
        context["plans"] = plans
        context["items"] = items
        context["traffic_packages"] = selectors.traffic_package_list()
        # rows: one per billing item that any plan covers, with each plan's capacity
        rows = []
        for item in items:
            caps = []
            for plan in plans:
                cap = next((c.daily_capacity for c in plan.capacities.all() if c.billing_item_id == item.id), None)
                caps.append(cap)
            if any(caps):
                rows.append({"item": item, "capacities": caps})
        context["rows"] = rows
        return context
