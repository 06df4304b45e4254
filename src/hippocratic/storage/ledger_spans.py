"""Checking a long audit chain in several processes at once.

The chain is cut into spans of sequence numbers. Worker processes take spans from the front;
the calling process takes them from the back until it meets one a worker has started, so no
core idles while the workers start. Each span is checked inside (``ledger_scan.intact``) and
reports its two ends; the spans are stitched together by their boundary links. On PostgreSQL
the workers import the caller's snapshot, so every process sees exactly the state the caller
sees. A span only ever says "intact" or "not intact": naming the first bad event is left to the
single walk in ``ledger_verify``.
"""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hippocratic.storage.database import make_engine, snapshot
from hippocratic.storage.ledger import AuditEventRow, genesis
from hippocratic.storage.ledger_scan import batches, intact

SPANS_PER_WORKER = 4
SPAN_MIN = 20_000
"""A long chain is cut into about ``SPANS_PER_WORKER`` spans per process, none shorter than
``SPAN_MIN`` events, so that processes that start late still find work."""
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


@dataclass(frozen=True)
class Span:
    """What one worker found in events ``first``..``last``: intact inside, with these ends."""

    intact: bool
    first_link: bytes | None = None
    """The ``prev_hash`` of event ``first``: must be the hash of the event before the span."""
    last_hash: bytes | None = None


def check_in_parallel(
    session: Session,
    organisation: str,
    head_seq: int,
    checkpoints: dict[int, bytes],
    workers: int,
) -> bytes | None:
    """Check events 1..``head_seq`` in ``workers`` processes, this one included; the last
    event's hash if every span is intact, each starts where the one before it ends and nothing
    lies beyond the head, else None."""
    bind = session.connection().engine
    if bind.url.database in (None, "", ":memory:"):
        return None  # an in-memory database cannot be opened from another process
    beyond = session.scalar(
        select(func.max(AuditEventRow.seq)).where(AuditEventRow.organisation_id == organisation)
    )
    if beyond is not None and beyond > head_seq:
        return None
    snapshot_id = None
    if bind.dialect.name == "postgresql":
        snapshot_id = session.scalar(text("SELECT pg_export_snapshot()"))
    url = bind.url.render_as_string(hide_password=False)
    size = max(SPAN_MIN, -(-head_seq // (workers * SPANS_PER_WORKER)))
    spans = [(first, min(first + size - 1, head_seq)) for first in range(1, head_seq + 1, size)]
    try:
        found = _share_out(session, organisation, spans, url, checkpoints, snapshot_id, workers)
    except (BrokenProcessPool, OSError):
        # No worker could start (no fork server here, or an unguarded ``__main__`` that
        # multiprocessing cannot re-import): the single walk in the caller does the work.
        return None
    previous = genesis(organisation)
    for span in found:
        if not span.intact or span.first_link != previous or span.last_hash is None:
            return None
        previous = span.last_hash
    return previous


def _share_out(
    session: Session,
    organisation: str,
    spans: list[tuple[int, int]],
    url: str,
    checkpoints: dict[int, bytes],
    snapshot_id: str | None,
    workers: int,
) -> list[Span]:
    """Every span's finding, in order: workers take spans from the front, this process from
    the back until it meets one a worker has started, so nobody idles while workers start."""
    stolen: dict[int, Span] = {}
    with ProcessPoolExecutor(workers - 1, mp_context=_worker_context()) as pool:
        pending = [
            pool.submit(_check_span, url, organisation, span, checkpoints, snapshot_id)
            for span in spans
        ]
        for index in reversed(range(len(spans))):
            if not pending[index].cancel():
                break
            stolen[index] = _span_of(session, organisation, spans[index], checkpoints)
        return [
            stolen[index] if index in stolen else future.result()
            for index, future in enumerate(pending)
        ]


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers fork from a clean server process that has imported this module once, so a
    pool starts in milliseconds after the first, and never inherits a parent's threads."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _check_span(
    url: str,
    organisation: str,
    span: tuple[int, int],
    checkpoints: dict[int, bytes],
    snapshot_id: str | None,
) -> Span:
    """In a worker process: ``_span_of`` in the caller's snapshot (PostgreSQL) or a fresh one."""
    engine = make_engine(url)
    try:
        with snapshot(engine) as session:
            if snapshot_id is not None:  # the statement takes no parameters; ids are hex and '-'
                if not _SNAPSHOT_ID.fullmatch(snapshot_id):
                    return Span(False)
                session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'"))
            return _span_of(session, organisation, span, checkpoints)
    finally:
        engine.dispose()


def _span_of(
    session: Session, organisation: str, span: tuple[int, int], checkpoints: dict[int, bytes]
) -> Span:
    """Are events first..last all there and each linked to the one before it?"""
    first, last = span
    first_link: Any = None
    previous: Any = None
    expected = first
    for batch in batches(session, organisation, span):
        if expected == first:
            first_link = previous = batch[0][1]
        if not intact(batch, previous, expected, last, checkpoints):
            return Span(False)
        previous, expected = batch[-1][3], batch[-1][0] + 1
    if expected != last + 1 or not isinstance(first_link, bytes):
        return Span(False)
    return Span(True, first_link, previous)
