"""Included by workspaces/urls.py under people/ (inside /a/<id:account_id>/)."""

from django.urls import path

from workspaces import people_views

urlpatterns = [
    path("", people_views.PeopleView.as_view(), name="people"),
    path("invitations/<id:invitation_id>/revoke/", people_views.InvitationRevokeView.as_view(),
         name="invitation-revoke"),
    path("<id:membership_id>/role/", people_views.MembershipRoleView.as_view(), name="membership-role"),
    path("<id:membership_id>/remove/", people_views.MembershipRemoveView.as_view(), name="membership-remove"),
    path("transfer/", people_views.TransferProposeView.as_view(), name="ownership-transfer"),
    path("transfer/<id:transfer_id>/accept/", people_views.TransferAnswerView.as_view(),
         {"answer": "accept"}, name="ownership-transfer-accept"),
    path("transfer/<id:transfer_id>/cancel/", people_views.TransferAnswerView.as_view(),
         {"answer": "cancel"}, name="ownership-transfer-cancel"),
]
