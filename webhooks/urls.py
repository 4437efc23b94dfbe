from django.urls import path

from webhooks import views

urlpatterns = [
    path("webhooks/", views.EndpointListView.as_view(), name="webhook-list"),
    path("webhooks/<id:endpoint_id>/", views.EndpointDetailView.as_view(), name="webhook-endpoint"),
    path("webhooks/<id:endpoint_id>/rotate-secret/", views.EndpointRotateView.as_view(), name="webhook-rotate"),
    path("webhooks/<id:endpoint_id>/test/", views.EndpointSendTestView.as_view(), name="webhook-test"),
    path("webhooks/<id:endpoint_id>/delete/", views.EndpointDeleteView.as_view(), name="webhook-delete"),
    path("webhooks/deliveries/<id:delivery_id>/", views.DeliveryDetailView.as_view(), name="webhook-delivery"),
    path("webhooks/deliveries/<id:delivery_id>/resend/", views.DeliveryResendView.as_view(),
         name="webhook-resend"),
]
