"""One row per job put on the queue: what, by whom, how far, and what came out."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, LargeBinary, Text
from sqlmodel import Field

from app.common.base import Timestamped

STATUSES = ("queued", "running", "done", "failed")


class Task(Timestamped, table=True):
    """A job's durable state; the worker's live progress and heartbeat are in the queue's store."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # What the job reads besides params (an uploaded file), encrypted; cleared when it ends.
    input_data: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="queued", max_length=10, index=True)
    attempt: int = 0  # raised each time a worker takes the job; a stale worker's finish is refused
    progress_done: int = 0
    progress_total: int = 0
    result: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # A file the job made (the committee PDF), kept with the row.
    result_file: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    result_filename: str = Field(default="", max_length=120)
    error_field: str = Field(default="", max_length=200)
    error_message: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    worker: str = Field(default="", max_length=120)
    started_at: datetime | None = None
    finished_at: datetime | None = None
