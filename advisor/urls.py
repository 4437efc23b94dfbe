from django.urls import path

from advisor import views

urlpatterns = [
    path("advisor/", views.AdvisorView.as_view(), name="advisor"),
]
