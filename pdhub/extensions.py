"""Unbound Flask extensions, bound to an app by create_app()."""

from __future__ import annotations

from celery import Celery
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from pdhub.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Tasks are registered on this app by the workers package (found through its
# ``include`` setting), so pdhub sends them by name without importing workers.
celery = Celery("pdhub", include=["workers.tasks"])
