"""The baseline for ``bench_api``: the same two reads over HTTP with no guard, no audit event
and no decryption (a patient's stored field rows; a day's appointments with their patients'
rows), served the same way (FastAPI under uvicorn, the store's engine settings). Never part of
the product: it exists to show what the guard costs a request."""

from __future__ import annotations

import base64
import os
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.storage.clinic import AppointmentRow
from hippocratic.storage.database import make_engine
from hippocratic.storage.record import SubjectFieldRow

ORGANISATION = "harmonic"
LONDON = ZoneInfo("Europe/London")
engine = make_engine(os.environ.get("BENCH_DATABASE_URL", "sqlite://"))
app = FastAPI()


def _shown(row: SubjectFieldRow) -> str:
    if row.value is not None:
        return row.value
    return base64.b64encode(row.ciphertext or b"").decode()


@app.get("/patients/{subject}")
def patient(subject: str) -> dict[str, Any]:
    with Session(engine) as session:
        rows = session.scalars(
            select(SubjectFieldRow).where(
                SubjectFieldRow.organisation_id == ORGANISATION,
                SubjectFieldRow.subject_id == subject,
            )
        )
        return {"ok": True, "data": {row.field: _shown(row) for row in rows}}


@app.get("/worklist")
def worklist(day: date) -> dict[str, Any]:
    start = datetime.combine(day, time(0), LONDON)
    end = datetime.combine(day + timedelta(days=1), time(0), LONDON)
    with Session(engine) as session:
        appointments = list(
            session.scalars(
                select(AppointmentRow)
                .where(
                    AppointmentRow.organisation_id == ORGANISATION,
                    AppointmentRow.starts_at >= start,
                    AppointmentRow.starts_at < end,
                )
                .order_by(AppointmentRow.starts_at, AppointmentRow.appointment_id)
                .limit(51)
            )
        )
        subjects = [a.subject_id for a in appointments]
        fields: dict[str, dict[str, str]] = {s: {} for s in subjects}
        for row in session.scalars(
            select(SubjectFieldRow).where(
                SubjectFieldRow.organisation_id == ORGANISATION,
                SubjectFieldRow.subject_id.in_(subjects),
            )
        ):
            fields[row.subject_id][row.field] = _shown(row)
        items = [
            {
                "appointment_id": a.appointment_id,
                "starts_at": a.starts_at.isoformat(),
                "service": base64.b64encode(a.service).decode(),
                "patient": fields[a.subject_id],
            }
            for a in appointments
        ]
        return {"ok": True, "data": {"items": items}}
