from django.urls import path

from wegweiser.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("second-factor/", views.second_factor_setup, name="second_factor_setup"),
    path("reauth/", views.reauth, name="reauth"),
    path("", views.account, name="account"),
    path("recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:pk>/unlock/", views.member_unlock, name="member_unlock"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
]
