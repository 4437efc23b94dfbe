from django.urls import path

from forecasts import views

urlpatterns = [
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("forecast/warnings/", views.WarningListView.as_view(), name="forecast-warnings"),
    path("forecast/warnings/<id:rule_id>/", views.WarningEditView.as_view(), name="forecast-warning-edit"),
    path("forecast/warnings/<id:rule_id>/delete/", views.WarningDeleteView.as_view(),
         name="forecast-warning-delete"),
]
