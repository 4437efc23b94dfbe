"""The person's own pages (not tenant data): password reset and change (Django's auth views, the reset mail
through notifications.mail), the second factor (security page, sign-in code) and invitation links."""

from django.contrib.auth import views as auth_views
from django.urls import path

from notifications.password_reset import FeeCenterPasswordResetForm
from workspaces.people_views import InvitationAcceptView
from workspaces.security_views import PasswordChangeView, PasswordResetConfirmView, SecurityView, VerifyView

urlpatterns = [
    path("password/reset/", auth_views.PasswordResetView.as_view(
        form_class=FeeCenterPasswordResetForm,
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
    ), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/change/", PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("account/security/", SecurityView.as_view(), name="security"),
    path("login/verify/", VerifyView.as_view(), name="two-factor-verify"),
    path("invitations/<str:token>/", InvitationAcceptView.as_view(), name="invitation-accept"),
]
