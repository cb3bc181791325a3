"""WSGI entry point: ``gunicorn ceguan.wsgi`` or ``ceguan serve``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceguan.settings")
application = get_wsgi_application()
