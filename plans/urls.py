from django.urls import path

from plans import views

urlpatterns = [path("", views.CatalogueView.as_view(), name="catalogue")]
