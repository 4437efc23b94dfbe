from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views
from workspaces import preferences
from workspaces.entry import entry
from workspaces.token_api import ApiTokenDetailApi, ApiTokenListApi, ObtainTokenApi

handler400 = "core.api.api_or_page_400"
handler403 = "core.api.api_or_page_403"
handler404 = "core.api.api_or_page_404"
handler500 = "core.api.api_or_page_500"

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", ObtainTokenApi.as_view(), name="api-token"),  # password (+ second factor): a new token
    path("auth/tokens/", ApiTokenListApi.as_view(), name="api-tokens"),
    path("auth/tokens/<id:token_id>/", ApiTokenDetailApi.as_view(), name="api-token-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file (no inline script: Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("plans.api_urls")),
    path("", include("workspaces.api_urls")),
    path("", include("payments.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("quota.api_urls")),
    path("", include("statements.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("advisor.api_urls")),
    path("", include("forecasts.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("webhooks.api_urls")),
]

urlpatterns = [
    path("", entry, name="fee-center-entry"),
    path("health/", core_views.health, name="health"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("billing_center.auth_urls")),  # password reset/change, second factor, invitation links
    path("i18n/setlang/", preferences.set_language, name="set_language"),  # remembers a signed-in person's choice
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("catalogue/", include("plans.urls")),
    path("a/<id:account_id>/", include("workspaces.urls")),
    path("a/<id:account_id>/", include("payments.urls")),
    path("a/<id:account_id>/", include("orders.urls")),
    path("a/<id:account_id>/", include("quota.urls")),
    path("a/<id:account_id>/", include("statements.urls")),
    path("a/<id:account_id>/", include("notifications.urls")),
    path("a/<id:account_id>/", include("advisor.urls")),
    path("a/<id:account_id>/", include("forecasts.urls")),
    path("a/<id:account_id>/", include("audit.urls")),
    path("a/<id:account_id>/", include("webhooks.urls")),
    path("", include("payments.public_urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
