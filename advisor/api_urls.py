from django.urls import path

from advisor import api

urlpatterns = [
    path("accounts/<id:account_id>/advisor/", api.AdvisorApi.as_view(), name="api-advisor"),
]
