from django.db import migrations, models
import django.db.models.deletion


FTS5_CREATE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(text, content='search_searchdocument', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
]
FTS5_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
PG_CREATE = [
    "CREATE INDEX search_document_tsv ON search_searchdocument "
    "USING GIN (to_tsvector('simple', text))",
]
PG_DROP = ["DROP INDEX IF EXISTS search_document_tsv"]


def create_backend_index(apps, schema_editor):
    statements = FTS5_CREATE if schema_editor.connection.vendor == "sqlite" else PG_CREATE
    for statement in statements:
        schema_editor.execute(statement)


def drop_backend_index(apps, schema_editor):
    statements = FTS5_DROP if schema_editor.connection.vendor == "sqlite" else PG_DROP
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("directory", "0003_offer_name_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=80, unique=True)),
                ("length", models.PositiveSmallIntegerField(db_index=True)),
            ],
        ),
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("language", models.CharField(max_length=12)),
                ("text", models.TextField()),
                ("offer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="search_documents", to="directory.offer")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("offer", "language"), name="one_document_per_language")],
            },
        ),
        migrations.RunPython(create_backend_index, drop_backend_index),
    ]
