from django.urls import path

from quota import api

urlpatterns = [
    path("usage/", api.UsageIngestApi.as_view(), name="api-usage"),
    path("accounts/<id:account_id>/bills/daily/", api.DailyBillListApi.as_view(), name="api-bills-daily"),
]
