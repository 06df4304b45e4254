"""Reading an organisation's audit chain back fast: events in sequence order, in batches, with
each event's body built by the database, and the fast check of one batch.

Events stream through the driver's own cursor (a server-side cursor on PostgreSQL), so memory
does not grow with the ledger. The database builds each event's body (``ledger.body``) in one
formatting call, so Python only hashes bytes: a batch is checked in a few C-level passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from hashlib import sha256
from operator import methodcaller
from typing import Any

from sqlalchemy.orm import Session

from hippocratic.storage.ledger import BODY_COLUMNS, SEPARATOR

BATCH = 20_000

_digest = methodcaller("digest")


def intact(
    batch: list[tuple[Any, ...]],
    previous: bytes,
    expected: int,
    last_allowed: int,
    checkpoints: Mapping[int, bytes],
) -> bool:
    """The fast check of one batch of (seq, prev_hash, prev_hash || body, hash) rows, in a few
    C-level passes.

    Sequence numbers are unique (they are the primary key with the organisation) and sorted, so
    a batch from ``expected`` whose last number is ``expected + len - 1`` has no gap."""
    seqs, links, linked, stored = zip(*batch, strict=True)
    try:
        first, last = seqs[0], seqs[-1]
        if first != expected or last - first != len(seqs) - 1 or last > last_allowed:
            return False
        if links[0] != previous or links[1:] != stored[:-1]:
            return False
        computed = tuple(map(_digest, map(sha256, linked)))
    except TypeError:  # a value that is not what the schema says (text in a number column, say)
        return False
    return computed == stored and all(
        stored[seq - first] == digest for seq, digest in checkpoints.items() if first <= seq <= last
    )


_FORMAT = SEPARATOR.join(["%s"] * len(BODY_COLUMNS))
"""printf / format pattern of ``ledger.body``: both engines print NULL as the empty string."""


def batches(
    session: Session, organisation: str, span: tuple[int, int] | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """(seq, prev_hash, prev_hash || body, hash) in sequence order, in batches, as plain
    tuples: the database builds each body in one formatting call and puts the link before it,
    so Python only hashes bytes. ``span`` limits the walk to events first..last."""
    columns = ", ".join(BODY_COLUMNS)
    raw = session.connection().connection.driver_connection
    postgres = session.get_bind().dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    within = f" AND seq BETWEEN {mark} AND {mark}" if span else ""
    linked = (
        f"prev_hash || convert_to(format({mark}, {columns}), 'UTF8')"
        if postgres  # SQLite's || joins the bytes as they are; the cast keeps them bytes
        else f"CAST(prev_hash || printf({mark}, {columns}) AS BLOB)"
    )
    sql = (
        f"SELECT seq, prev_hash, {linked}, hash FROM audit_event "
        f"WHERE organisation_id = {mark}{within} ORDER BY seq"
    )
    params = (_FORMAT, organisation, *(span or ()))
    if postgres:
        cursor = raw.cursor(name="audit_verify")  # type: ignore[union-attr]
        cursor.itersize = BATCH
    else:
        cursor = raw.cursor()  # type: ignore[union-attr]
    cursor.execute(sql, params)
    try:
        while batch := cursor.fetchmany(BATCH):
            yield batch
    finally:
        cursor.close()
