from django.core.management.base import BaseCommand

from wegweiser.search.index import rebuild_index
from wegweiser.site.content import site_content_load


class Command(BaseCommand):
    help = (
        "Create the guide's default content (glossary, category names in every language, "
        "accessibility statement, imprint, privacy notice) where missing, and rebuild the "
        "search index. Idempotent; run after every `migrate`."
    )

    def handle(self, *args, **options):
        site_content_load()
        documents = rebuild_index()
        self.stdout.write(f"site content ready; search index holds {documents} documents")
