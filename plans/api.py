from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from plans import selectors
from plans.serializers import BillingItemSerializer, PlanSerializer, TrafficPackageSerializer


class _PublicCatalogue(ListAPIView):
    """The public catalogue: readable without logging in."""

    permission_classes = [AllowAny]
    authentication_classes: list = []


class BillingItemListApi(_PublicCatalogue):
    serializer_class = BillingItemSerializer

    def get_queryset(self):
        return selectors.billing_item_list()


class PlanListApi(_PublicCatalogue):
    serializer_class = PlanSerializer

    def get_queryset(self):
        return selectors.plan_list()


class TrafficPackageListApi(_PublicCatalogue):
    serializer_class = TrafficPackageSerializer

    def get_queryset(self):
        return selectors.traffic_package_list()
