"""trust: which messages nobody could verify, and where each message's time came from

Revision ID: 0002b
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0002b"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch:
        # Existing rows were all judged by the provider's verdict: verified.
        batch.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        # Existing rows were all dated by their Date header.
        batch.add_column(
            sa.Column("sent_at_source", sa.String(), nullable=False, server_default="date")
        )


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_column("sent_at_source")
        batch.drop_column("verified")
