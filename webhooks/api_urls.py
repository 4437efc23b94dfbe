from django.urls import path

from webhooks import api

urlpatterns = [
    path("accounts/<id:account_id>/webhooks/", api.EndpointListApi.as_view(), name="api-webhook-endpoints"),
    path("accounts/<id:account_id>/webhooks/deliveries/", api.DeliveryListApi.as_view(),
         name="api-webhook-deliveries"),
    path("accounts/<id:account_id>/webhooks/deliveries/<id:delivery_id>/", api.DeliveryDetailApi.as_view(),
         name="api-webhook-delivery"),
    path("accounts/<id:account_id>/webhooks/deliveries/<id:delivery_id>/resend/", api.DeliveryResendApi.as_view(),
         name="api-webhook-delivery-resend"),
    path("accounts/<id:account_id>/webhooks/<id:endpoint_id>/", api.EndpointDetailApi.as_view(),
         name="api-webhook-endpoint"),
    path("accounts/<id:account_id>/webhooks/<id:endpoint_id>/rotate-secret/", api.EndpointRotateApi.as_view(),
         name="api-webhook-endpoint-rotate"),
    path("accounts/<id:account_id>/webhooks/<id:endpoint_id>/test/", api.EndpointSendTestApi.as_view(),
         name="api-webhook-endpoint-test"),
]
