from django.urls import path

from medspa.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("branch/", views.switch_branch, name="switch_branch"),
    path("tokens/", views.ApiTokenListView.as_view(), name="token_list"),
    path("tokens/new/", views.ApiTokenCreateView.as_view(), name="token_create"),
    path("tokens/<int:pk>/", views.ApiTokenDetailView.as_view(), name="token_detail"),
    path("tokens/<int:pk>/edit/", views.ApiTokenEditView.as_view(), name="token_edit"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="token_revoke"),
]
