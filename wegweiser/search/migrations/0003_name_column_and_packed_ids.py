from django.db import migrations, models

# Documents gain the offer's name as a column of its own (matches in the name rank first), the
# filter words (search/facets.py) and ids that pack freshness, offer and language (models.py).
# The index is emptied here and rebuilt after migrating (search/apps.py).
FTS5_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
FTS5_CREATE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(name, text, facets, "
    "content='search_searchdocument', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, name, text, facets) "
    "VALUES (new.id, new.name, new.text, new.facets); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, name, text, facets) "
    "VALUES ('delete', old.id, old.name, old.text, old.facets); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, name, text, facets) "
    "VALUES ('delete', old.id, old.name, old.text, old.facets); "
    "INSERT INTO search_fts(rowid, name, text, facets) "
    "VALUES (new.id, new.name, new.text, new.facets); END",
]
FTS5_CREATE_OLD = [
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
PG_NAME = [
    "ALTER TABLE search_searchdocument ADD COLUMN name_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED",
    "ALTER TABLE search_searchdocument ADD COLUMN facets_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', facets)) STORED",
    "CREATE INDEX search_document_facets ON search_searchdocument USING GIN (facets_tsv)",
]
PG_NAME_DROP = [
    "DROP INDEX IF EXISTS search_document_facets",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS facets_tsv",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS name_tsv",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def empty_and_unhook(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, FTS5_DROP)
    apps.get_model("search", "SearchDocument").objects.all().delete()


def hook(apps, schema_editor):
    _run(schema_editor, FTS5_CREATE if schema_editor.connection.vendor == "sqlite" else PG_NAME)


def unhook(apps, schema_editor):
    apps.get_model("search", "SearchDocument").objects.all().delete()
    _run(schema_editor, FTS5_DROP if schema_editor.connection.vendor == "sqlite" else PG_NAME_DROP)


def hook_old(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, FTS5_CREATE_OLD)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_postgres_tsvector_column")]

    operations = [
        migrations.RunPython(empty_and_unhook, hook_old),
        migrations.AddField(
            model_name="searchdocument",
            name="name",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="facets",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="fresh",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="SearchLanguage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=12, unique=True)),
            ],
        ),
        migrations.RunPython(hook, unhook),
    ]
