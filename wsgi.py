"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from pdhub import create_app

app = create_app()
