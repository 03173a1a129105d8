from django.db import migrations


def load(apps, schema_editor):
    from wegweiser.directory.reference import reference_data_load

    reference_data_load(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
