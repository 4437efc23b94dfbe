from django.urls import path

from statements import views

urlpatterns = [
    path("bills/monthly/", views.MonthlyBillListView.as_view(), name="monthly-bill-list"),
    path("bills/monthly/<id:bill_id>/", views.MonthlyBillDetailView.as_view(), name="monthly-bill-detail"),
    path("bills/monthly/<id:bill_id>/export/", views.MonthlyBillExportView.as_view(), name="monthly-bill-export"),
    path("invoices/", views.InvoiceListView.as_view(), name="invoice-list"),
    path("invoices/<id:invoice_id>/pdf/", views.InvoicePdfView.as_view(), name="invoice-pdf"),
]
