"""Alembic's migration environment. Not a package of the project: `alembic` below is the installed library."""
from alembic import context

from shared.config import get_settings

config = context.config
config.set_main_option("sqlalchemy.url", get_settings().database_url if hasattr(get_settings(), "database_url") else "sqlite://")
