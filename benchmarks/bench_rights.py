"""Rights at size: the access package for one patient in a store of 1,000,000 patients (the
issue's aim: median under 2 s on PostgreSQL; Fides takes about 15 minutes per request on 900k
records), and erasure by crypto-shredding (aim: under 50 ms at any size).

The store holds the background patients (each with an appointment, filled directly as
``bench_api`` does) and, in the key store, a data key for each; the measured patient is made
through the real services (a booking, scan reports, a call, a payment, a consent), and every
measured call goes through the real code: ``AccessRelease.build`` gathers, decides, audits and
seals the package; ``vault.shred_subject`` destroys one key among a million; ``Erasure.carry_out``
is the whole erasure (plan, deletes, shred, close). SQLite at 100,000; PostgreSQL at 1,000,000
when a server answers (``BENCH_RIGHTS_PG_ROWS`` to change it).
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from benchmarks.bench_api import _background, _postgres_database
from benchmarks.timing import Timing, measure
from hippocratic.domain.clock import FixedClock
from hippocratic.policy.settings import RightName
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.actor import Actor
from hippocratic.services.appointments import Appointments, Booking
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.communications import CommunicationChannel, Communications, Direction
from hippocratic.services.erasure import Erasure
from hippocratic.services.payments import CardPayment, PaymentMethod, Payments
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store, init_store
from hippocratic.storage.keystore import SubjectKeyRow
from hippocratic.storage.subject import SubjectRow

POLICY = Path(__file__).resolve().parent.parent / "policies" / "harmonic-medical-sonography.yaml"
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
KEY_CHUNK = 20_000
DPO = Actor("harmonic", "dee", "dpo")
RECEPTION = Actor("harmonic", "rita", "reception")
SONOGRAPHER = Actor("harmonic", "sam", "sonographer")


def _staff(store: Store) -> None:
    from hippocratic.storage.staff import StaffRow

    with store.sessions.begin() as session:
        for who in (DPO, RECEPTION, SONOGRAPHER):
            session.add(
                StaffRow(organisation_id="harmonic", username=who.actor, display_name=who.actor,
                         role=who.role, password_hash="$argon2id$unused", totp_last_step=0,
                         failed_attempts=0, created_at=NOW)
            )  # fmt: skip


def _keys(store: Store) -> None:
    """A wrapped data key for every background patient, so a shred finds one among them all."""
    with store.sessions() as session:
        subjects = list(session.scalars(select(SubjectRow.subject_id)))
    with store.key_engine.begin() as connection:
        for start in range(0, len(subjects), KEY_CHUNK):
            connection.execute(
                insert(SubjectKeyRow),
                [
                    {"organisation_id": "harmonic", "subject_id": s,
                     "wrapped": secrets.token_bytes(60), "organisation_key_version": 1}
                    for s in subjects[start : start + KEY_CHUNK]
                ],
            )  # fmt: skip


def _patient(store: Store, n: int, *, clinical: bool = True) -> str:
    """A patient with a real history, through the services; without ``clinical`` entries and
    the payment (a booking not yet attended and a call) nothing must be kept after erasure."""
    version = store.policy_of("harmonic").notice.version
    booked = Appointments(store, RECEPTION).book(
        Booking(
            service="early_pregnancy_scan",
            starts_at=NOW - timedelta(days=30),
            capture=Capture("booking", version, Channel.PHONE),
            patient={"full_name": f"Bench Patient {n}", "date_of_birth": "1984-03-02",
                     "email": f"bench{n}@example.org", "phone": "020 7946 0958",
                     "medical_history": "Asthma, well controlled"},
            clinician="sam",
        )
    )  # fmt: skip
    subject = booked.subject_id
    entries = ClinicalEntries(store, SONOGRAPHER)
    for text in ("Scan normal.", "Growth on the 50th centile.", "Placenta anterior, clear."):
        if clinical:
            entries.add(subject, "scan_report", text)
    Communications(store, RECEPTION).log(
        subject, Direction.INBOUND, CommunicationChannel.PHONE, "Asked to move the scan"
    )
    if clinical:  # a payment is a financial record the law keeps, like a clinical one
        Payments(store, Actor("harmonic", "bill", "billing")).record(
            subject, PaymentMethod.CARD, 12_500, card=CardPayment("tok_bench", "4242")
        )
    return subject


def run(backend: str, url: str, rows: int, keys: Path) -> None:
    clock = FixedClock(NOW)
    store = init_store(POLICY, url, keys, clock)
    try:
        _staff(store)
        _background(url, rows, date(2026, 12, 7))
        _keys(store)
        subject = _patient(store, 0)
        work = AccessRelease(store, DPO)
        request = work.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
        build = measure(
            f"{backend}: access package, 1 of {rows:,}",
            lambda: work.build(request.request_id),
            repeat=15,
        )
        print(build.line("ms"), flush=True)
        shreds: list[float] = []
        whole: list[float] = []
        for n in range(1, 11):
            doomed = _patient(store, n)
            start = time.perf_counter()
            store.vault.for_organisation("harmonic").shred_subject(doomed)
            shreds.append(time.perf_counter() - start)
            other = _patient(store, 100 + n, clinical=False)
            asked = Erasure(store, DPO).submit(
                NewRightsRequest(other, RightName.ERASURE, RequestChannel.LETTER)
            )
            start = time.perf_counter()
            Erasure(store, DPO).carry_out(asked.request_id)
            whole.append(time.perf_counter() - start)
        print(Timing(f"{backend}: crypto-shred one key of {rows:,}", shreds).line("ms"))
        print(Timing(f"{backend}: erasure carried out (plan, deletes, shred)", whole).line("ms"))
        print(
            f"{backend}: aims: package < 2000 ms -> {'met' if build.median < 2 else 'NOT met'}; "
            f"shred < 50 ms -> {'met' if sorted(shreds)[len(shreds) // 2] < 0.05 else 'NOT met'}",
            flush=True,
        )
    finally:
        store.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", 100_000, Path(tmp) / "keys")
    with _postgres_database() as url, tempfile.TemporaryDirectory() as tmp:
        if url is not None:
            rows = int(os.environ.get("BENCH_RIGHTS_PG_ROWS", "1000000"))
            run("postgresql", url, rows, Path(tmp) / "keys")


if __name__ == "__main__":
    main()
