"""Reference data every installation starts with: areas of the demo city, the needs taxonomy,
target groups, communities and languages. Loaded by a data migration; idempotent."""

import uuid

# A fixed namespace, so the same code gives the same public id in every installation.
NAMESPACE = uuid.UUID("6f1c2a52-7d1e-4d8a-9b53-2f0c1e8a9d47")


def stable_uuid(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


# (slug, name, kind, parent slug). "Leipziger Osten" is the urban-renewal area around
# Eisenbahnstraße; it spans Ortsteile of the Stadtbezirke Ost, Nordost and Südost.
AREAS = [
    ("leipzig", "Leipzig", "city", None),
    ("leipziger-osten", "Leipziger Osten", "district", "leipzig"),
    ("volkmarsdorf", "Volkmarsdorf", "subdistrict", "leipziger-osten"),
    ("neustadt-neuschoenefeld", "Neustadt-Neuschönefeld", "subdistrict", "leipziger-osten"),
    ("anger-crottendorf", "Anger-Crottendorf", "subdistrict", "leipziger-osten"),
    ("reudnitz-thonberg", "Reudnitz-Thonberg", "subdistrict", "leipziger-osten"),
    ("schoenefeld-abtnaundorf", "Schönefeld-Abtnaundorf", "subdistrict", "leipziger-osten"),
    ("schoenefeld-ost", "Schönefeld-Ost", "subdistrict", "leipziger-osten"),
    ("sellerhausen-stuenz", "Sellerhausen-Stünz", "subdistrict", "leipziger-osten"),
    ("paunsdorf", "Paunsdorf", "subdistrict", "leipziger-osten"),
]

# (code, German name, parent code)
CATEGORIES = [
    ("language-integration", "Sprach- und Integrationskurse", None),
    ("german-courses", "Deutschkurse", "language-integration"),
    ("integration-courses", "Integrationskurse", "language-integration"),
    ("heritage-language", "Herkunftssprachlicher Unterricht", "language-integration"),
    ("counselling", "Beratung", None),
    ("counselling-migration", "Migrationsberatung", "counselling"),
    ("counselling-social", "Sozialberatung", "counselling"),
    ("counselling-legal", "Rechtsberatung", "counselling"),
    ("counselling-debt", "Schuldnerberatung", "counselling"),
    ("counselling-health", "Gesundheitsberatung", "counselling"),
    ("counselling-family", "Familienberatung", "counselling"),
    ("children-family", "Kinder und Familie", None),
    ("school-education", "Schule und Bildung", None),
    ("work-training", "Arbeit und Ausbildung", None),
    ("housing", "Wohnen", None),
    ("health-care", "Gesundheit und Pflege", None),
    ("culture-sport-leisure", "Kultur, Sport und Freizeit", None),
    ("religion-community", "Religion und Gemeinschaft", None),
    ("volunteering", "Ehrenamt", None),
    ("emergencies-protection", "Notfall und Schutz", None),
]

TARGET_GROUPS = [
    ("children", "Kinder"),
    ("youth", "Jugendliche"),
    ("young-adults", "Junge Erwachsene"),
    ("parents", "Eltern"),
    ("families", "Familien"),
    ("women", "Frauen"),
    ("men", "Männer"),
    ("seniors", "Seniorinnen und Senioren"),
    ("newcomers", "Neu Zugewanderte"),
    ("refugees", "Geflüchtete"),
    ("everyone", "Alle"),
]

COMMUNITIES = [
    ("syrian", "Syrische Community"),
    ("afghan", "Afghanische Community"),
    ("iranian", "Iranische Community"),
    ("iraqi", "Irakische Community"),
    ("turkish", "Türkische Community"),
    ("kurdish", "Kurdische Community"),
    ("russian-speaking", "Russischsprachige Community"),
    ("ukrainian", "Ukrainische Community"),
    ("vietnamese", "Vietnamesische Community"),
    ("polish", "Polnische Community"),
    ("romanian", "Rumänische Community"),
    ("bulgarian", "Bulgarische Community"),
    ("eritrean", "Eritreische Community"),
    ("african", "Afrikanische Communities"),
    ("latin-american", "Lateinamerikanische Community"),
    ("arab", "Arabischsprachige Community"),
]

# (code, German name, native name, direction, content language?)
LANGUAGES = [
    ("de", "Deutsch", "Deutsch", "ltr", True),
    ("en", "Englisch", "English", "ltr", True),
    ("ar", "Arabisch", "العربية", "rtl", True),
    ("fa", "Persisch", "فارسی", "rtl", True),
    ("tr", "Türkisch", "Türkçe", "ltr", True),
    ("ru", "Russisch", "Русский", "ltr", True),
    ("uk", "Ukrainisch", "Українська", "ltr", True),
    ("vi", "Vietnamesisch", "Tiếng Việt", "ltr", True),
    ("prs", "Dari", "دری", "rtl", False),
    ("ku", "Kurdisch (Kurmancî)", "Kurmancî", "ltr", False),
    ("ckb", "Kurdisch (Sorani)", "کوردی", "rtl", False),
    ("pl", "Polnisch", "Polski", "ltr", False),
    ("ro", "Rumänisch", "Română", "ltr", False),
    ("bg", "Bulgarisch", "Български", "ltr", False),
    ("fr", "Französisch", "Français", "ltr", False),
    ("es", "Spanisch", "Español", "ltr", False),
    ("ti", "Tigrinya", "ትግርኛ", "ltr", False),
    ("so", "Somali", "Soomaali", "ltr", False),
    ("ps", "Paschtu", "پښتو", "rtl", False),
    ("ur", "Urdu", "اردو", "rtl", False),
    ("sq", "Albanisch", "Shqip", "ltr", False),
    ("dgs", "Deutsche Gebärdensprache", "DGS", "ltr", False),
]


def reference_data_load(apps) -> None:
    """Create or update the reference rows (apps: a migration's app registry or the real one)."""
    Area = apps.get_model("directory", "Area")
    Category = apps.get_model("directory", "Category")
    TargetGroup = apps.get_model("directory", "TargetGroup")
    Community = apps.get_model("directory", "Community")
    Language = apps.get_model("core", "Language")

    for slug, name, kind, parent in AREAS:
        Area.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "parent": Area.objects.get(slug=parent) if parent else None,
                "public_id": stable_uuid("area", slug),
            },
        )
    for position, (code, name, parent) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "position": position,
                "parent": Category.objects.get(code=parent) if parent else None,
                "public_id": stable_uuid("category", code),
            },
        )
    for position, (code, name) in enumerate(TARGET_GROUPS):
        TargetGroup.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    for code, name in COMMUNITIES:
        Community.objects.update_or_create(code=code, defaults={"name": name})
    for position, (code, name, native, direction, content) in enumerate(LANGUAGES):
        Language.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "native_name": native,
                "direction": direction,
                "is_content_language": content,
                "position": position,
            },
        )
    german = Language.objects.get(code="de")
    Language.objects.exclude(code="de").filter(is_content_language=True, fallback=None).update(
        fallback=german
    )
