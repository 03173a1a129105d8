from django.urls import path

from wegweiser.site import staff_views

app_name = "site_staff"

urlpatterns = [
    path("pages/", staff_views.page_list, name="page_list"),
    path("pages/<slug:slug>/", staff_views.page_edit, name="page_edit"),
    path("feedback/", staff_views.feedback_list, name="feedback_list"),
    path("feedback/<int:pk>/handled/", staff_views.feedback_handled, name="feedback_handled"),
]
