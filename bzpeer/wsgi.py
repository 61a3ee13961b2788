import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
# A page's query runs alone, no parallel workers: launching them costs more than a page's query
# saves when every core is busy serving requests (at 5 M works the most-cited work's citers
# took 57-165 ms with two workers under load, 15-25 ms without; docs/benchmarks.md). Celery's
# batch work keeps PostgreSQL's default.
os.environ.setdefault("DATABASE_PARALLEL_WORKERS", "0")
application = get_wsgi_application()
