from django.contrib import admin

from wegweiser.directory.models import Area, Category, Community, TargetGroup

admin.site.register(Area)
admin.site.register(Category)
admin.site.register(Community)
admin.site.register(TargetGroup)
