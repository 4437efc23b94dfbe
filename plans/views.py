from django.views.generic import TemplateView

from plans import selectors


class CatalogueView(TemplateView):
    """The public page comparing the three annual packages: the figures in force today (the vendor's day) and
    any change announced, with the day it takes effect."""

    template_name = "plans/catalogue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = selectors.plan_list()
        context["plans"] = plans
        context["items"] = selectors.billing_item_list()
        context["traffic_packages"] = selectors.traffic_package_list()
        context["rows"] = selectors.capacity_rows(plans)
        context["today"] = selectors.catalogue_today()
        context["payg_days"] = selectors.PAYG_EQUIVALENT_DAYS  # one basis for the saving: the wizard's and the API's
        return context
