from django.urls import path

from wegweiser.translations import views

app_name = "translations"

urlpatterns = [
    path("", views.coverage, name="coverage"),
    path("<slug:language>/", views.queue, name="queue"),
    path(
        "<slug:language>/export.xlf", views.export_file, {"file_format": "xlf"}, name="export_xliff"
    ),
    path("<slug:language>/export.po", views.export_file, {"file_format": "po"}, name="export_po"),
    path("<slug:language>/import/", views.import_file, name="import"),
    path("<slug:kind>/<uuid:public_id>/<slug:language>/", views.edit, name="edit"),
]
