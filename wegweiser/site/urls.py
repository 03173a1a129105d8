from django.urls import path

from wegweiser.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("leichte-sprache/", views.easy_language, name="easy_language"),
    path("suche/", views.search, name="search"),
    path("karte/", views.result_map, name="map"),
    path("thema/<slug:code>/", views.category, name="category"),
    path("gebiet/<slug:slug>/", views.area, name="area"),
    path("angebot/<uuid:public_id>/", views.offer_detail, name="offer"),
    path("angebot/<uuid:public_id>/drucken/", views.offer_print, name="offer_print"),
    path("angebot/<uuid:public_id>/kontakt.vcf", views.offer_vcard, name="offer_vcard"),
    path("angebot/<uuid:public_id>/qr.svg", views.offer_qr, name="offer_qr"),
    path("angebot/<uuid:public_id>/fehler-melden/", views.offer_report, name="offer_report"),
    path("angebot-vorschlagen/", views.suggest_offer, name="suggest"),
    path("organisationen/", views.organisation_list, name="organisation_list"),
    path("organisation/<uuid:public_id>/", views.organisation_detail, name="organisation"),
    path("glossar/", views.glossary, name="glossary"),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
    path("impressum/", views.imprint, name="imprint"),
    path("datenschutz/", views.privacy, name="privacy"),
    path("danke/", views.thanks, name="thanks"),
]
