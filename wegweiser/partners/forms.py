from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from wegweiser.accounts.models import User
from wegweiser.directory.models import Organisation
from wegweiser.partners.models import Invitation


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["organisation", "name", "email", "language"]
        widgets = {"language": forms.Select(choices=settings.LANGUAGES)}

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            office=office, entry_status="active"
        ).order_by("name")
        self.fields["language"].help_text = _("The invitation and later mails use it.")

    def clean_language(self):
        language = self.cleaned_data["language"]
        if language not in dict(settings.LANGUAGES):
            raise forms.ValidationError(_("Choose one of the listed languages."))
        return language


class AcceptForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["username"].validators.append(User.username_validator)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken. Choose another one."))
        return username

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(
                    first, User(username=data.get("username", ""), email=self.email)
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class RejectForm(forms.Form):
    reply = forms.CharField(
        label=_("Message to the partner"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the change is not taken over; the partner gets it by mail."),
    )
