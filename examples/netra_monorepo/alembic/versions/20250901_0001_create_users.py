"""create users

Revision ID: 0001
"""
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.execute("CREATE TABLE users (id TEXT PRIMARY KEY)")


def downgrade() -> None:
    op.execute("DROP TABLE users")
