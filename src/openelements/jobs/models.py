"""The `job` table of the local runner (revision 0003_jobs).

A row is one job. `todo` rows are due when `run_at <= now`; a `doing` row belongs to
`lease_owner` until `lease_expires_at`, which the owner's heartbeat keeps pushing forward;
a `doing` row whose lease expired was orphaned by a dead process and is claimed again.
Two partial unique indexes make the database the arbiter: one running job per `lock`, one
waiting job per `queueing_lock`. `periodic_key` (task and period start) is unique, so a
period is deferred once however many processes try.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from openelements.kit.db import Base

WAITING = text("status = 'todo'")
RUNNING = text("status = 'doing'")


class JobRow(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    task_name: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime]
    lock: Mapped[str | None] = mapped_column(String(200))
    queueing_lock: Mapped[str | None] = mapped_column(String(200))
    periodic_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "status IN ('todo', 'doing', 'succeeded', 'failed', 'cancelled')", name="status"
        ),
        Index("ix_job_status_run_at", "status", "run_at"),
        Index(
            "ix_job_lock",
            "lock",
            sqlite_where=text("lock IS NOT NULL"),
            postgresql_where=text("lock IS NOT NULL"),
        ),
        Index(
            "uq_job_lock_running",
            "lock",
            unique=True,
            sqlite_where=RUNNING,
            postgresql_where=RUNNING,
        ),
        Index(
            "uq_job_queueing_lock_waiting",
            "queueing_lock",
            unique=True,
            sqlite_where=WAITING,
            postgresql_where=WAITING,
        ),
        Index("ix_job_lease_owner", "lease_owner"),
        # Ids are never reused after a purge: operators refer to jobs by id.
        {"sqlite_autoincrement": True},
    )
