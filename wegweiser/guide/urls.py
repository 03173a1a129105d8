from django.urls import path

from wegweiser.guide import views

app_name = "guide"

urlpatterns = [
    path("broschueren/", views.edition_list, name="editions"),
    path(
        "broschueren/<int:number>/<str:language>-<str:paper>.pdf",
        views.edition_file,
        name="file",
    ),
]
