from django.urls import path

from statements import api

urlpatterns = [
    path("accounts/<id:account_id>/bills/monthly/", api.MonthlyBillListApi.as_view(), name="api-monthly-bills"),
    path(
        "accounts/<id:account_id>/bills/monthly/<id:bill_id>/",
        api.MonthlyBillDetailApi.as_view(),
        name="api-monthly-bill",
    ),
    path("accounts/<id:account_id>/invoices/", api.InvoiceRequestListApi.as_view(), name="api-invoices"),
    path(
        "accounts/<id:account_id>/invoices/<id:invoice_id>/pdf/", api.InvoicePdfApi.as_view(), name="api-invoice-pdf"
    ),
]
