from django.urls import path

from forecasts import api

urlpatterns = [
    path("accounts/<id:account_id>/forecast/", api.ForecastApi.as_view(), name="api-forecast"),
    path("accounts/<id:account_id>/warning-rules/", api.WarningRuleListApi.as_view(), name="api-warning-rules"),
    path("accounts/<id:account_id>/warning-rules/<id:rule_id>/", api.WarningRuleDetailApi.as_view(),
         name="api-warning-rule"),
]
