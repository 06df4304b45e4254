"""A booking cancelled because of suspected fraud (S0-60, Art. 22): only on a fraud marker a
person has confirmed. An automated rule may raise a marker, but it is only a proposal
(``fraud_markers``) and can never, by itself, cost the patient their appointment: until a
second person reviews and confirms it, a cancellation citing it is refused, and the refusal is
on the patient's ledger. A marker rejected or withdrawn cancels nothing either.

The cancellation is the appointment's own status change (``appointments.change_status``), by
whoever may manage bookings, in the same transaction as the check of the marker (locked, so it
cannot be withdrawn in between) and the event naming it: either all of it happens or none.
What is read of the marker to decide is its status and who confirmed it, never its basis or
evidence, which stay sealed.
"""

from __future__ import annotations

from hippocratic.errors import NotFound
from hippocratic.guard.decision import Action, Decision
from hippocratic.services.appointments import Appointment, Appointments, AppointmentStatus
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.fraud_markers import MarkerSource, MarkerStatus
from hippocratic.storage.fraud_marker import FraudMarkerRow


class FraudCancellation(ClinicService):
    def cancel(self, subject: str, appointment_id: str, marker_id: str) -> Appointment:
        """Cancel the booking on a confirmed fraud marker of the same patient; refused (and
        recorded) while the marker awaits a person's confirmation, or if it no longer stands."""
        binding = self.binding("appointment")
        with self.store.sessions.begin() as session:
            row = session.get(FraudMarkerRow, (self.organisation, marker_id), with_for_update=True)
            if row is None or row.subject_id != subject:
                raise NotFound(f"no fraud marker {marker_id} for this patient", field="marker")
            status, source, reviewer = row.status, row.source, row.reviewed_by
            request = self.request(binding.purpose, subject, (), Action.WRITE)
            if status == MarkerStatus.CONFIRMED.value:
                appointments = Appointments(self.store, self.actor)
                appointment, assessment = appointments.change_status(
                    session, subject, appointment_id, AppointmentStatus.CANCELLED
                )
                if assessment.decision.allowed:
                    self.guard(session).record(
                        request,
                        Decision(True, (f"fraud_marker:{MarkerStatus.CONFIRMED.value}",)),
                        f"appointment {appointment_id} cancelled on fraud marker {marker_id}, "
                        f"confirmed by {reviewer}",
                    )
            else:
                automated = source == MarkerSource.AUTOMATED.value
                why = (
                    "an automated fraud flag is only a proposal: a person must confirm it before "
                    "any booking is cancelled (UK GDPR Art. 22)"
                    if automated and status == MarkerStatus.PROPOSED.value
                    else f"this fraud marker is {status}: it cannot be acted on"
                )
                decision = Decision(False, (f"fraud_marker:{status}",), reasons=(why,))
                self.guard(session).record(
                    request,
                    decision,
                    f"cancellation of appointment {appointment_id} on fraud marker {marker_id} "
                    f"refused: {why}",
                )
        if status != MarkerStatus.CONFIRMED.value:
            raise refusal(decision)
        return appointments.shown_after(appointment, assessment, subject)
