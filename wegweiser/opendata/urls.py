from django.urls import path, re_path

from wegweiser.opendata import api, views

app_name = "hsds"

urlpatterns = [
    path("", api.root, name="root"),
    path("openapi.json", views.openapi_document, name="openapi"),
    path("profile", views.profile, name="profile"),
    path("services", api.services, name="services"),
    path("services/<str:public_id>", api.service_detail, name="service"),
    path("organizations", api.organizations, name="organizations"),
    path("organizations/<str:public_id>", api.organization_detail, name="organization"),
    path("service_at_locations", api.service_at_locations, name="service_at_locations"),
    path(
        "service_at_locations/<str:public_id>",
        api.service_at_location_detail,
        name="service_at_location",
    ),
    path("taxonomies", api.taxonomies, name="taxonomies"),
    path("taxonomies/<str:public_id>", api.taxonomy_detail, name="taxonomy"),
    path("taxonomy_terms", api.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:public_id>", api.taxonomy_term_detail, name="taxonomy_term"),
    path("exports/<str:name>", views.export_download, name="export"),
    # Anything else under /api/hsds/ answers a problem document, not the site's HTML 404.
    re_path(r"^(?P<rest>.+)$", api.unknown, name="unknown"),
]
