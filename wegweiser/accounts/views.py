"""Log-in and log-out; the rest of account management arrives with the security issue."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.utils.translation import activate
from django.views.decorators.cache import never_cache


@method_decorator([login_not_required, never_cache], name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.get_user().language
        activate(language)
        response.set_cookie(
            "django_language",
            language,
            samesite="Lax",
            httponly=True,
            secure=self.request.is_secure(),
        )
        return response


class LogoutView(auth_views.LogoutView):
    pass
