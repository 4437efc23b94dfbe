"""Included by workspaces/api_urls.py under accounts/<id:account_id>/."""

from django.urls import path

from workspaces import people_api

urlpatterns = [
    path("members/", people_api.MemberListApi.as_view(), name="api-members"),
    path("members/<id:membership_id>/", people_api.MemberDetailApi.as_view(), name="api-member"),
    path("invitations/", people_api.InvitationListApi.as_view(), name="api-invitations"),
    path("invitations/<id:invitation_id>/", people_api.InvitationDetailApi.as_view(), name="api-invitation"),
    path("ownership-transfers/", people_api.TransferProposeApi.as_view(), name="api-ownership-transfers"),
    path("ownership-transfers/<id:transfer_id>/accept/", people_api.TransferAnswerApi.as_view(),
         {"answer": "accept"}, name="api-ownership-transfer-accept"),
    path("ownership-transfers/<id:transfer_id>/cancel/", people_api.TransferAnswerApi.as_view(),
         {"answer": "cancel"}, name="api-ownership-transfer-cancel"),
]
