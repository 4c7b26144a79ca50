from django.urls import include, path

from medspa.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", include("medspa.accounts.security_urls")),
    path("branch/", views.switch_branch, name="switch_branch"),
    path("tokens/", views.ApiTokenListView.as_view(), name="token_list"),
    path("tokens/new/", views.ApiTokenCreateView.as_view(), name="token_create"),
    path("tokens/<int:pk>/", views.ApiTokenDetailView.as_view(), name="token_detail"),
    path("tokens/<int:pk>/edit/", views.ApiTokenEditView.as_view(), name="token_edit"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="token_revoke"),
    path("users/", views.AccountListView.as_view(), name="user_list"),
    path("users/new/", views.AccountCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.AccountDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.AccountEditView.as_view(), name="user_edit"),
    path("users/<int:pk>/password/", views.AccountPasswordResetView.as_view(), name="user_password_reset"),
    path("users/<int:pk>/unlock/", views.AccountUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/deactivate/", views.AccountDeactivateView.as_view(), name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.AccountReactivateView.as_view(), name="user_reactivate"),
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("roles/new/", views.RoleCreateView.as_view(), name="role_create"),
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    path("roles/<int:pk>/edit/", views.RoleEditView.as_view(), name="role_edit"),
    path("roles/<int:pk>/delete/", views.RoleDeleteView.as_view(), name="role_delete"),
]
