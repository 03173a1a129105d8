from django.urls import path

from wegweiser.opendata import staff_views

app_name = "opendata_staff"

urlpatterns = [
    path("", staff_views.opendata_home, name="home"),
    path("import/<str:token>/apply/", staff_views.import_apply, name="import_apply"),
]
