"""An access request answered end to end: the package holds everything held about the patient
and the Art. 15 information, third-party text is flagged and redacted with a log, a clinician
holds back seriously harmful content, a second person checks, the DPO releases, and the patient
downloads it in every format; a build that fails is a failed step that can be run again."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from tests.services.clinic import actor, agree, events, hire
from tests.services.test_appointments import book

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, Conflict
from hippocratic.policy.settings import RightName
from hippocratic.services.access_formats import PackageFormat
from hippocratic.services.access_package import AccessCollector
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.communications import CommunicationChannel, Communications, Direction
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.payments import CardPayment, PaymentMethod, Payments
from hippocratic.services.rights_request import NewRightsRequest, RequestStatus
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store
from hippocratic.services.third_party_text import third_party_flags

CARE = "Providing your scan and report"


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def history_of_a_patient(clinic: Store) -> tuple[str, str]:
    """A patient with an appointment, two scan reports, a call, a card payment and a consent;
    returns the subject and the report that names someone else."""
    appointment = book(clinic)
    subject = appointment.subject_id  # type: ignore[attr-defined]
    sam = ClinicalEntries(clinic, actor("harmonic", "sam"))
    other = sam.add(subject, "scan_report", "Scan normal. Her husband came with her.").entry_id
    sam.add(subject, "scan_report", "Growth on the 50th centile.")
    Communications(clinic, actor("harmonic", "rita")).log(
        subject, Direction.INBOUND, CommunicationChannel.PHONE, "Asked to move the scan"
    )
    Payments(clinic, actor("harmonic", "bill")).record(
        subject, PaymentMethod.CARD, 12_500, card=CardPayment("tok_1NvQ2xExample", "4242")
    )
    agree(clinic, actor("harmonic", "mo"), subject, "marketing", ("email",))
    return subject, other


@pytest.mark.promise("S0-110", "S1-32", "S0-120", "L-01")
def test_an_access_request_from_the_portal_is_built_checked_released_and_downloaded(
    clinic: Store,
) -> None:
    subject, flagged = history_of_a_patient(clinic)
    me = AccessRelease(clinic, patient_actor("harmonic", subject))
    request = me.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.PORTAL))
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    built = dpo.build(request.request_id)
    assert "1 flag(s) to review" in built.steps[-1].log
    package = dpo.package(request.request_id)
    sections = {section.key: section for section in package.sections}
    reports = [i.values["content"] for i in sections["clinical_entry"].items]
    assert "Growth on the 50th centile." in reports and len(reports) >= 2
    assert {f.ref for f in package.flags} == {f"clinical_entry:{flagged}"}
    payment = sections["payment"].items[0].values
    assert payment["card_last_four"].startswith("4242") and "tok_" not in json.dumps(payment)
    details = {row["key"]: row["value"] for row in package.details}
    assert details["full_name"] == "Ada Example" and details["email"] == "ada.example@example.org"
    access = sections["access"].items
    assert any(a.values["who"] == "Sonographer" and a.values["purpose"] == CARE for a in access)
    info = package.information
    assert any(r["title"].startswith("Adult health records") for r in info["retention"])
    assert info["complaint"]["url"].startswith("https://ico.org.uk")
    assert any(p["title"] == "Handling your data protection rights" for p in info["purposes"])

    with pytest.raises(Conflict, match="second person"):
        dpo.check(request.request_id)
    with pytest.raises(Conflict, match="flagged"):
        AccessRelease(clinic, actor("harmonic", "rita")).check(request.request_id)
    dpo.withhold(
        request.request_id, f"clinical_entry:{flagged}", "third_party", "names her husband"
    )
    with pytest.raises(Conflict, match="build it again"):
        AccessRelease(clinic, actor("harmonic", "rita")).check(request.request_id)
    with pytest.raises(Conflict, match="checked by a second person"):
        dpo.release(request.request_id)
    dpo.build(request.request_id)
    AccessRelease(clinic, actor("harmonic", "rita")).check(request.request_id)
    with pytest.raises(Conflict, match="not ready"):
        me.package(request.request_id)
    released = dpo.release(request.request_id)
    assert released.status is RequestStatus.COMPLETED
    assert [s.name for s in released.steps] == [
        "received", "build", "review", "build", "check", "release",
    ]  # fmt: skip

    mine = json.loads(me.download(request.request_id, PackageFormat.JSON).content)
    assert mine["withheld"] == [
        {
            "ref": f"clinical_entry:{flagged}",
            "kind": "third_party",
            "exemption": "information about another person (DPA 2018 Sch. 2 para 16)",
        }
    ]
    assert "husband" not in json.dumps(mine)
    assert any(s["key"] == "access" and s["items"] for s in mine["sections"])
    html = me.download(request.request_id, PackageFormat.HTML).content.decode()
    assert "Information Commissioner" in html and "Who accessed your record" in html
    assert me.download(request.request_id, PackageFormat.PDF).content.startswith(b"%PDF")
    rows = list(
        csv.reader(io.StringIO(me.download(request.request_id, PackageFormat.CSV).content.decode()))
    )
    assert rows[0] == ["section", "reference", "when", "name", "value"]
    assert ["details", "Basic personal data", "", "Full name", "Ada Example"] in rows
    downloads = [e for e in events(clinic) if e.reason and "opened" in e.reason]
    assert downloads and downloads[-1].actor == f"patient:{subject}"


@pytest.mark.promise("S0-110")
def test_the_fhir_bundle_is_shaped_like_patient_everything_and_validates(clinic: Store) -> None:
    from fhir.resources.R4B.bundle import Bundle

    subject, _ = history_of_a_patient(clinic)
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    dpo.build(request.request_id)
    bundle = json.loads(dpo.download(request.request_id, PackageFormat.FHIR).content)
    Bundle.model_validate(bundle)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds[0] == "Patient" and bundle["type"] == "searchset"
    for kind in ("Appointment", "DocumentReference", "Communication", "Invoice", "Consent"):
        assert kind in kinds
    assert "AuditEvent" in kinds
    assert bundle["entry"][0]["resource"]["name"] == [{"text": "Ada Example"}]


def test_a_clinician_holds_back_serious_harm_and_reception_cannot(clinic: Store) -> None:
    subject, flagged = history_of_a_patient(clinic)
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    with pytest.raises(AccessDenied, match="clinician"):
        AccessRelease(clinic, actor("harmonic", "rita")).withhold(
            request.request_id, f"clinical_entry:{flagged}", "serious_harm", "upsetting"
        )
    AccessRelease(clinic, actor("harmonic", "sam")).withhold(
        request.request_id, f"clinical_entry:{flagged}", "serious_harm",
        "would be likely to cause serious harm to her mental health (Dr review)",
    )  # fmt: skip
    held = events(clinic)[-1]
    assert held.actor == "sam" and held.purpose == "care"  # in the care relationship
    dpo.build(request.request_id)
    package = dpo.package(request.request_id)
    assert [w.kind for w in package.withheld] == ["serious_harm"]
    assert not package.flags  # the flagged entry is held back, so nothing left to review


def test_a_date_range_scopes_the_records_not_the_details(clinic: Store, clock: FixedClock) -> None:
    subject, _ = history_of_a_patient(clinic)
    clock.advance(timedelta(days=3))
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    later = clock.now().date()
    request = dpo.submit(
        NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER, scope_from=later)
    )
    dpo.build(request.request_id)
    package = dpo.package(request.request_id)
    sections = {s.key: s for s in package.sections}
    assert not sections["clinical_entry"].items  # written on 24 November
    assert sections["appointment"].items  # on 30 November
    assert package.details and package.scope_from == later.isoformat()


def test_a_failed_build_is_a_failed_step_on_the_queue_until_run_again(
    clinic: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject, _ = history_of_a_patient(clinic)
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    real = AccessCollector.collect

    def outage(*args: object, **kwargs: object) -> object:
        raise OSError("the key store did not answer")

    monkeypatch.setattr(AccessCollector, "collect", outage)
    with pytest.raises(OSError, match="key store"):
        dpo.build(request.request_id)
    failed = dpo.queue()[0].request.failed_step
    assert failed is not None and failed.name == "build"
    assert "OSError: the key store did not answer" in failed.log
    monkeypatch.setattr(AccessCollector, "collect", real)
    assert dpo.build(request.request_id).failed_step is None


def test_third_party_flags_spare_the_patients_own_details() -> None:
    own = ["ada.example@example.org", "020 7946 0958"]
    assert not third_party_flags("x", "Call ada.example@example.org or 020 7946 0958", own)
    found = third_party_flags("x", "Ring her sister on 07700 900123, bo@example.org", own)
    assert [f.why for f in found] == [
        "mentions a sister",
        "holds an email address that is not the patient's",
        "holds a phone number that is not the patient's",
    ]


def test_a_history_kept_on_the_patients_own_record_is_in_the_package(clinic: Store) -> None:
    from hippocratic.services.records import Records

    subject = Records(clinic, actor("harmonic", "rita")).register(
        "care", {"full_name": "Cat Example", "medical_history": "Asthma"}
    )
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    dpo.build(request.request_id)
    details = {row["key"]: row["value"] for row in dpo.package(request.request_id).details}
    assert details == {"full_name": "Cat Example", "medical_history": "Asthma"}
