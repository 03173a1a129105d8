"""Log-in with lockout, second factor, re-authentication and account forms."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from wegweiser.accounts import security
from wegweiser.accounts.models import Role, TOTPDevice, User
from wegweiser.core.mail import mail_send


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing locked accounts and addresses even with the right
    password, and recording every attempt."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed log-ins. Try again after %(time)s, or ask your coordinator to "
            "unlock your account."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        until = security.login_locked_until(username, ip)
        if until is not None:
            security.login_lockout_record(username, ip)
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"time": formats.time_format(timezone.localtime(until), "H:i")},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            security.login_attempt_record(username, ip, succeeded=False)
            if security.login_locked_until(username, ip) is not None:
                security.login_lockout_record(username, ip)
            raise
        security.login_attempt_record(username, ip, succeeded=True, user=self.get_user())
        return cleaned


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not security.second_factor_check(self.user, code):
            raise forms.ValidationError(_("This code is not valid (or was already used)."))
        return code


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=20, required=False
    )

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        self.has_device = TOTPDevice.objects.filter(user=request.user).exists()
        if not self.has_device:
            del self.fields["code"]

    def clean(self):
        user = self.request.user
        password = self.cleaned_data.get("password") or ""
        if authenticate(self.request, username=user.get_username(), password=password) is None:
            raise forms.ValidationError(_("The password is not correct."))
        if self.has_device and not security.second_factor_check(
            user, self.cleaned_data.get("code") or ""
        ):
            raise forms.ValidationError(_("This code is not valid (or was already used)."))
        return self.cleaned_data


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)


class QueuedPasswordResetForm(PasswordResetForm):
    """Password-reset mail goes through the task queue, so a mail server that is down
    delays the mail instead of failing the request."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from django.template import loader

        with translation.override(context["user"].language):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
            mail_send(subject=subject, body=body, to=[to_email])
