"""WSGI entry point (gunicorn estate.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estate.settings")
application = get_wsgi_application()
