"""Jobs: the local runner's `job` table; on PostgreSQL also procrastinate's schema.

Both are created on PostgreSQL whatever OPENELEMENTS_JOBS_BACKEND says, so switching backend
needs no migration. procrastinate's schema is the SQL shipped with the installed procrastinate
(the version requirements.lock pins). Upgrading procrastinate later needs a new revision that
applies its `sql/migrations` files for the versions in between.

Revision ID: 0003_jobs
Revises: 0002_platform
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.dialects import postgresql

revision: str = "0003_jobs"
down_revision: str | None = "0002_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("status = 'todo'")
RUNNING = sa.text("status = 'doing'")
HAS_LOCK = sa.text("lock IS NOT NULL")

DROP_PROCRASTINATE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
    procrastinate_jobs, procrastinate_workers CASCADE;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
    procrastinate_job_status CASCADE;
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION ' || f.signature || ' CASCADE';
    END LOOP;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("task_name", sa.String(200), nullable=False),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("args", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lock", sa.String(200), nullable=True),
        sa.Column("queueing_lock", sa.String(200), nullable=True),
        sa.Column("periodic_key", sa.String(300), nullable=True),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("periodic_key", name=op.f("uq_job_periodic_key")),
        sa.CheckConstraint(
            "status IN ('todo', 'doing', 'succeeded', 'failed', 'cancelled')",
            name=op.f("ck_job_status"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_job_status_run_at", "job", ["status", "run_at"])
    op.create_index("ix_job_lease_owner", "job", ["lease_owner"])
    op.create_index(
        "ix_job_lock", "job", ["lock"], sqlite_where=HAS_LOCK, postgresql_where=HAS_LOCK
    )
    op.create_index(
        "uq_job_lock_running",
        "job",
        ["lock"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    op.create_index(
        "uq_job_queueing_lock_waiting",
        "job",
        ["queueing_lock"],
        unique=True,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    if op.get_bind().dialect.name == "postgresql":
        # No bound parameters reach the driver, but SQLAlchemy still formats with `%`.
        op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(DROP_PROCRASTINATE.replace("%", "%%"))
    op.drop_table("job")
