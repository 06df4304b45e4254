"""The consent ledger: unbundled, affirmative, evidenced consent; withdrawal that holds for the
very next decision; reconfirmation after a material change; a history that verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from tests.services.clinic import actor, agree, events, hire
from tests.services.test_policy_change import variant

from hippocratic.domain.consent import ConsentKind, Control, Presentation
from hippocratic.errors import AccessDenied, InputError
from hippocratic.services.audit import Problem, verify_store
from hippocratic.services.consents import ConsentChoice, Consents
from hippocratic.services.policy_change import change_policy
from hippocratic.services.records import Records
from hippocratic.services.store import Store
from hippocratic.storage.consent import ConsentEventRow, ConsentStateRow

MARKETING = (
    "I would like to hear from Harmonic Medical Sonography about its services by the channels I "
    "have ticked. This is separate from consent to my medical care, and no health information "
    "is used."
)
ONLINE = Presentation(Control.CHECKBOX)


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def patient(store: Store) -> str:
    return Records(store, actor("harmonic", "rita")).register(
        "care", {"full_name": "Ada Example", "email": "ada.example@example.org"}
    )


def reads_email(store: Store, subject: str) -> bool:
    try:
        Records(store, actor("harmonic", "mo")).read(subject, "marketing", ["email"])
    except AccessDenied:
        return False
    return True


def choice(**changes: object) -> ConsentChoice:
    base: dict[str, object] = {
        "purpose": "marketing",
        "kind": ConsentKind.GRANTED,
        "method": "web_form",
        "presentation": ONLINE,
        "wording": MARKETING,
        "channels": ("email",),
    }
    return ConsentChoice(**(base | changes))  # type: ignore[arg-type]


def stored(store: Store) -> tuple[int, int]:
    with store.sessions() as session:
        return (
            len(session.scalars(select(ConsentEventRow)).all()),
            len(session.scalars(select(ConsentStateRow)).all()),
        )


@pytest.mark.promise("S0-12", "S0-46", "L-02", "S0-43")
def test_withdrawal_holds_for_the_very_next_decision_and_leaves_care_alone(
    clinic: Store,
) -> None:
    subject = patient(clinic)
    assert not reads_email(clinic, subject)  # opt-in by default: nothing until a yes
    Consents(clinic, actor("harmonic", "mo")).record(subject, choice())
    assert reads_email(clinic, subject)
    # reception takes the call "stop emailing me": any member of staff may record a no
    agree(clinic, actor("harmonic", "rita"), subject, "marketing", kind=ConsentKind.WITHDRAWN)
    assert not reads_email(clinic, subject)
    care = Records(clinic, actor("harmonic", "rita")).read(subject, "care", ["full_name"])
    assert care["full_name"].value == "Ada Example"
    withdrawn = [e for e in events(clinic) if "consent:marketing/withdrawn" in e.rule_ids]
    assert [(e.actor, e.outcome) for e in withdrawn] == [("rita", "allowed"), ("rita", "allowed")]
    history = Consents(clinic, actor("harmonic", "dee")).history(subject, "rights_requests")
    assert [(n.channel, n.kind, n.live) for n in history.current] == [
        ("email", ConsentKind.WITHDRAWN, False),
        ("sms", ConsentKind.WITHDRAWN, False),  # a no with no channel named covers every one
    ]


@pytest.mark.promise("S0-25", "S1-04")
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"presentation": Presentation(Control.CHECKBOX, pre_ticked=True)}, "consent.pre_ticked"),
        ({"presentation": Presentation(Control.CHECKBOX, separate=False)}, "consent.bundled"),
        ({"method": "browsing"}, "consent.not_affirmative"),
        ({"method": "implied"}, "consent.not_affirmative"),
        ({"method": "phone"}, "consent.evidence"),  # staff on the patient's behalf: say how
        ({"wording": "Can we send you offers?"}, "consent.wording"),
        ({"channels": ()}, "input.invalid"),
        ({"channels": ("fax",)}, "input.invalid"),
        ({"notice_version": "2019-01-01"}, "input.invalid"),
        ({"purpose": "care"}, "input.invalid"),  # care rests on Art. 9(2)(h), not consent
    ],
)
def test_what_is_no_valid_consent_is_refused_and_nothing_is_stored(
    clinic: Store, changes: dict[str, object], code: str
) -> None:
    subject = patient(clinic)
    before = len(events(clinic))
    with pytest.raises(InputError) as refused:
        Consents(clinic, actor("harmonic", "mo")).record(subject, choice(**changes))
    assert refused.value.code == code
    assert stored(clinic) == (0, 0)
    assert len(events(clinic)) == before
    assert not reads_email(clinic, subject)


@pytest.mark.promise("S0-25")
def test_each_event_keeps_the_words_the_notice_the_method_and_who(clinic: Store) -> None:
    subject = patient(clinic)
    Consents(clinic, actor("harmonic", "mo")).record(
        subject,
        choice(
            method="phone",
            presentation=Presentation(Control.SPOKEN),
            channels=("email", "sms"),
            evidence="Ada Example said yes on the call of 24/11 at 09:00",
        ),
    )
    history = Consents(clinic, actor("harmonic", "dee")).history(subject, "rights_requests")
    assert [(e.channel, e.kind) for e in history.events] == [
        ("email", ConsentKind.GRANTED),
        ("sms", ConsentKind.GRANTED),
    ]
    entry = history.events[0]
    assert entry.wording == " ".join(MARKETING.split())
    assert len(entry.wording_sha256) == 64
    assert (entry.notice_version, entry.method, entry.recorded_by) == ("2024-11-18", "phone", "mo")
    assert entry.presentation == "spoken, on its own"
    assert entry.evidence == "Ada Example said yes on the call of 24/11 at 09:00"
    with clinic.sessions() as session:
        raw = session.scalars(select(ConsentEventRow.evidence)).first()
    assert raw is not None and b"Ada Example" not in bytes(raw)  # sealed under her key


@pytest.mark.promise("S0-46")
def test_only_staff_who_work_under_a_purpose_record_a_yes_to_it(clinic: Store) -> None:
    subject = patient(clinic)
    with pytest.raises(AccessDenied, match="cannot record a patient's agreement") as denied:
        agree(clinic, actor("harmonic", "rita"), subject, "marketing", ("email",))
    assert "role:reception/purpose:marketing" in denied.value.details["rules"]
    assert (events(clinic)[-1].outcome, events(clinic)[-1].purpose) == ("denied", "marketing")
    assert stored(clinic) == (0, 0)
    agree(clinic, actor("harmonic", "rita"), subject, "call_recording")  # reception's own


@pytest.mark.promise("L-10")
def test_a_new_patient_has_agreed_to_nothing(clinic: Store) -> None:
    subject = patient(clinic)
    history = Consents(clinic, actor("harmonic", "dee")).history(subject, "rights_requests")
    assert (history.current, history.events) == ([], [])
    assert not reads_email(clinic, subject)


@pytest.mark.promise("S0-25", "S0-43")
def test_a_material_change_needs_reconfirming_and_a_cosmetic_one_does_not(
    clinic: Store, tmp_path: Path
) -> None:
    subject = patient(clinic)
    Consents(clinic, actor("harmonic", "mo")).record(subject, choice())
    renamed = ("title: Telling you about our services", "title: News about our services")
    change_policy(clinic, variant(tmp_path, ('version: "2024-11-18"', 'version: "2026-12-01"'),
                                  renamed))  # fmt: skip
    assert reads_email(clinic, subject)
    assert Consents(clinic, actor("harmonic", "mo")).reconfirmation_due("marketing") == []
    # the next notice adds a recipient of marketing data: what she agreed to has changed
    (tmp_path / "v3").mkdir()
    material = change_policy(
        clinic,
        variant(
            tmp_path / "v3",
            ('version: "2024-11-18"', 'version: "2026-12-02"'),
            renamed,
            ("    recipients: [mailing_services]\n    retention: marketing_preference",
             "    recipients: [mailing_services, it_hosting]\n    retention: marketing_preference"),
        ),
    )  # fmt: skip
    assert material.reconfirm == {"marketing": 1}
    assert not reads_email(clinic, subject)
    (changed,) = [e for e in events(clinic) if e.action == "policy.changed"][-1:]
    assert "1 marketing consent(s) to confirm again" in (changed.reason or "")
    (due,) = Consents(clinic, actor("harmonic", "mo")).reconfirmation_due("marketing")
    assert (due.purpose, due.channel, due.reconfirm, due.live) == (
        "marketing",
        "email",
        True,
        False,
    )
    assert events(clinic)[-1].rule_ids == '["consent:marketing/reconfirm-list"]'
    with pytest.raises(AccessDenied):
        Consents(clinic, actor("harmonic", "bill")).reconfirmation_due("marketing")
    new_words = clinic.policy_of("harmonic").purpose_by_key["marketing"].consent
    assert new_words is not None
    Consents(clinic, actor("harmonic", "mo")).record(subject, choice(wording=new_words.wording))
    assert reads_email(clinic, subject)
    assert Consents(clinic, actor("harmonic", "mo")).reconfirmation_due("marketing") == []


def test_a_soft_opt_in_needs_the_policy_and_a_service_that_reveals_no_health(
    clinic: Store,
) -> None:
    subject = patient(clinic)
    soft = choice(kind=ConsentKind.SOFT_OPT_IN, service="health_check_scan")
    with pytest.raises(InputError, match="soft opt-in does not count"):
        Consents(clinic, actor("harmonic", "mo")).record(subject, soft)
    assert stored(clinic) == (0, 0)


@pytest.mark.promise("S0-25")
def test_the_consent_history_verifies_and_every_tampering_is_caught(clinic: Store) -> None:
    subject = patient(clinic)
    Consents(clinic, actor("harmonic", "mo")).record(subject, choice(channels=("email", "sms")))
    agree(clinic, actor("harmonic", "rita"), subject, "marketing", ("sms",), ConsentKind.WITHDRAWN)
    assert all(result.ok for result in verify_store(clinic))
    with pytest.raises(Exception, match="append-only"), clinic.engine.begin() as connection:
        connection.execute(text("UPDATE consent_event SET kind = 'granted'"))
    drop_guard(clinic)

    def broken() -> str:
        (result,) = verify_store(clinic, "harmonic")
        assert result.kind is Problem.CONSENT
        return result.problem or ""

    with clinic.engine.begin() as connection:  # the withdrawal "never happened"
        connection.execute(text("UPDATE consent_state SET kind = 'granted', given = true"))
    assert "differs from its latest consent event" in broken()
    with clinic.engine.begin() as connection:
        connection.execute(text("UPDATE consent_state SET kind = 'withdrawn', given = false"))
        connection.execute(
            text("UPDATE consent_state SET kind = 'granted', given = true WHERE channel = 'email'")
        )
        connection.execute(text("UPDATE consent_event SET wording = 'anything' "
                                "WHERE kind = 'withdrawn'"))  # fmt: skip
    assert "does not match audit event" in broken()
    with clinic.engine.begin() as connection:
        connection.execute(text("DELETE FROM consent_event WHERE kind = 'withdrawn'"))
    assert "is missing" in broken()


def drop_guard(store: Store) -> None:
    """What an attacker with write access does first: drop the append-only triggers."""
    with store.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER consent_event_append_only ON consent_event"))
        else:
            connection.execute(text("DROP TRIGGER consent_event_no_update"))
            connection.execute(text("DROP TRIGGER consent_event_no_delete"))


@pytest.mark.promise("S0-25")
def test_the_consents_export_as_valid_fhir_r4_consent_resources(clinic: Store) -> None:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.consent import Consent

    from hippocratic.services.consent_fhir import consent_bundle

    subject = patient(clinic)
    Consents(clinic, actor("harmonic", "mo")).record(subject, choice(channels=("email", "sms")))
    agree(clinic, actor("harmonic", "rita"), subject, "marketing", ("sms",), ConsentKind.WITHDRAWN)
    agree(clinic, actor("harmonic", "rita"), subject, "call_recording")
    history = Consents(clinic, actor("harmonic", "dee")).history(subject, "rights_requests")
    bundle = consent_bundle(clinic.policy_of("harmonic"), history)
    Bundle.model_validate(bundle)
    resources = [Consent.model_validate(entry["resource"]) for entry in bundle["entry"]]
    shape = {
        (r.provision.purpose[0].code, r.provision.type, r.policyRule.coding[0].code, r.status)
        for r in resources
    }
    assert shape == {
        ("call_recording", "permit", "OPTIN", "active"),
        ("marketing", "permit", "OPTIN", "active"),
        ("marketing", "deny", "OPTOUT", "active"),
    }
    email = next(r for r in resources if r.provision.type == "permit" and
                 r.provision.purpose[0].code == "marketing")  # fmt: skip
    assert email.patient.reference == f"Patient/{subject}"
    assert email.policy[0].uri.endswith("#version=2024-11-18")
    assert email.provision.period.start is not None
    assert "SHA-256" in (email.sourceAttachment.title or "")
    assert email.verification is None  # the patient ticked the box herself, online
    staff_recorded = next(r for r in resources if r.provision.purpose[0].code == "call_recording")
    assert staff_recorded.verification[0].verifiedWith.display == "rita (reception)"
