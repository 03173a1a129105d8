from django.urls import path

from wegweiser.guide import staff_views as views

app_name = "guide_staff"

urlpatterns = [
    path("", views.edition_list, name="list"),
    path("new/", views.edition_form, name="create"),
    path("<int:pk>/", views.edition_detail, name="detail"),
    path("<int:pk>/edit/", views.edition_form, name="edit"),
    path("<int:pk>/changes/", views.edition_changes, name="changes"),
    path("<int:pk>/preview/", views.edition_preview, name="preview"),
    path("<int:pk>/publish/", views.edition_publish, name="publish"),
    path("<int:pk>/delete/", views.edition_delete, name="delete"),
    path("<int:pk>/print/", views.edition_print, name="print"),
    path("rendering/<int:pk>/retry/", views.rendering_retry, name="retry"),
    path("rendering/<int:pk>/file.pdf", views.rendering_file, name="file"),
]
