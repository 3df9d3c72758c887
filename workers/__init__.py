"""PD Hub's Celery workers: the worker app, the task base and thin tasks."""
