from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from wegweiser.accounts.models import Membership, Office, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    filter_horizontal = ["organisations"]


@admin.register(User)
class WegweiserUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    fieldsets = [*UserAdmin.fieldsets, ("Wegweiser", {"fields": ["language"]})]


admin.site.register(Office)
