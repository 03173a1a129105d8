from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from wegweiser.core import views as core_views
from wegweiser.site import views as site_views

urlpatterns = [
    path("healthz", site_views.healthz, name="healthz"),
    path("accounts/", include("wegweiser.partners.urls")),
    path("accounts/", include("wegweiser.accounts.urls")),
    # Before the directory's "staff/<kind>/<id>/archive/", which would take events' URLs.
    path("staff/events/", include("wegweiser.events.staff_urls")),
    path("staff/open-data/", include("wegweiser.opendata.staff_urls")),
    path("staff/guide/", include("wegweiser.guide.staff_urls")),
    path("staff/partners/", include("wegweiser.partners.staff_urls")),
    path("staff/", include("wegweiser.directory.urls")),
    path("staff/", include("wegweiser.core.urls")),
    path("staff/site/", include("wegweiser.site.staff_urls")),
    path("staff/translations/", include("wegweiser.translations.urls")),
    path("api/hsds/", include("wegweiser.opendata.urls")),
    path("media/<path:path>", core_views.media, name="media"),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", include("wegweiser.site.urls")),
    path("", include("wegweiser.events.urls")),
    path("", include("wegweiser.guide.urls")),
    prefix_default_language=True,
)
