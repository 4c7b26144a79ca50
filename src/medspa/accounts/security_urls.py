from django.urls import path

from medspa.accounts import security_views

urlpatterns = [
    path("login/", security_views.LoginView.as_view(), name="login"),
    path("logout/", security_views.LogoutView.as_view(), name="logout"),
    path("password/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("security-policy/", security_views.SecurityPolicyView.as_view(), name="security_policy"),
]
