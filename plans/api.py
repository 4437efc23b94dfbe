from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from plans import selectors
from plans.models import BillingItem, Plan, TrafficPackage
from plans.serializers import BillingItemSerializer, PlanSerializer, TrafficPackageSerializer


class _PublicCatalogue(ListAPIView):
    """The public catalogue: readable without logging in. Each entry carries the figures in force on the
    vendor's today and `announced`: the versions taking effect later, with their `effective_from`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []


class BillingItemListApi(_PublicCatalogue):
    serializer_class = BillingItemSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: the model, no database
            return BillingItem.objects.none()
        return selectors.billing_item_list()


class PlanListApi(_PublicCatalogue):
    serializer_class = PlanSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: the model, no database
            return Plan.objects.none()
        return selectors.plan_list()


class TrafficPackageListApi(_PublicCatalogue):
    serializer_class = TrafficPackageSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: the model, no database
            return TrafficPackage.objects.none()
        return selectors.traffic_package_list()
