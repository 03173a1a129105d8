from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from wegweiser.site import views as site_views

urlpatterns = [
    path("healthz", site_views.healthz, name="healthz"),
    path("accounts/", include("wegweiser.accounts.urls")),
    path("staff/", include("wegweiser.directory.urls")),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", include("wegweiser.site.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
