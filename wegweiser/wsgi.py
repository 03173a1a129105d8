"""WSGI entry point for gunicorn or granian: `gunicorn wegweiser.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wegweiser.settings")
application = get_wsgi_application()
