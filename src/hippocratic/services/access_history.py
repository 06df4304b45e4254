"""Who accessed a patient's record, when and why, told to the patient themselves (the portal),
from the audit ledger: the role of whoever acted and the purpose, in the policy's own titles;
what they did and to which categories; emergency access with the reason given for it; and the
sign-ins to their portal account.

Never a member of staff's username (that is the staff member's personal data), nor a rule id,
a digest or a reason that could name someone: the reasons shown are those written for the
patient to read (break-glass, a refusal, an identity check, a sign-in). The events of one web
request (one page of the portal, one screen of the console) are told as one line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from hippocratic.guard.decision import SELF_ROLE, Action, self_actor
from hippocratic.guard.guard import BREAK_GLASS_PURPOSE
from hippocratic.guard.representation import REPRESENTATIVE_ROLE
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.fraud_markers import withheld_purposes
from hippocratic.services.security_event import OPERATOR, SECURITY
from hippocratic.storage.ledger_history import AccessRecord, history

PAGE = 100
YOU_PORTAL = "You, through the portal"
DOING: dict[str, str] = {
    Action.READ: "looked at",
    Action.WRITE: "changed",
    Action.CREATE: "added",
    Action.SEARCH: "searched",
    Action.EXPORT: "exported",
    Action.DISCLOSE: "shared",
    Action.STORE: "kept",
    Action.AUTHOR: "wrote",
}
ABOUT = {
    "consent history": "your consents",
    "rights request": "your requests",
    "access history": "who accessed your record",
    "the Art. 14 notices due": "what we must tell you about data from others",
}
"""What a read of no fields was about, from the reason its service gave."""
SIGN_IN = {
    ("portal.code", "allowed"): "A sign-in code was sent to you",
    ("portal.code", "denied"): "Someone asked for a sign-in code, and none was sent",
    ("portal.code_not_sent", "denied"): "A sign-in code could not be sent",
    ("portal.sign_in", "allowed"): "You signed in",
    ("portal.sign_in", "denied"): "Someone tried to sign in, and could not",
    ("portal.sign_out", "allowed"): "You signed out",
}
CHANGES = {
    "care:start": "began caring for you",
    "care:end": "stopped caring for you",
    "restriction:art18/on": "restricted the use of your data",
    "restriction:art18/off": "lifted the restriction on your data",
}


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    who: str
    why: str
    what: str
    allowed: bool
    reason: str | None = None
    """Why, in words written for you: an emergency's reason, a refusal, a check."""
    emergency: bool = False
    """Break-glass: someone without a care relationship opened the record in an emergency."""
    request_id: str | None = None


@dataclass(frozen=True)
class AccessPage:
    entries: list[AccessEntry]
    next_offset: int | None


class AccessHistory(ClinicService):
    def for_patient(self, subject: str, purpose: str, offset: int = 0) -> AccessPage:
        """One page of the history, newest first; reading it is itself an audited read."""
        request = self.request(purpose, subject, (), Action.READ)
        records: list[AccessRecord] = []
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, request, "access history")
            if assessment.decision.allowed and assessment.facts.known:
                hidden = withheld_purposes(self.policy, session, self.organisation, subject)
                records = history(
                    session,
                    self.organisation,
                    subject,
                    limit=PAGE + 1,
                    offset=offset,
                    without=hidden,
                )
        self.enforce(assessment, subject)
        more = len(records) > PAGE
        entries: list[AccessEntry] = []
        for record in records[:PAGE]:
            entry = self.entry(subject, record)
            last = entries[-1] if entries else None
            if last is not None and self._same_request(last, entry):
                entries[-1] = self._merged(last, entry)
            else:
                entries.append(entry)
        return AccessPage(entries, offset + PAGE if more else None)

    def entry(self, subject: str, record: AccessRecord) -> AccessEntry:
        at = datetime.fromisoformat(record.at)
        allowed = record.outcome == "allowed"
        if record.purpose == SECURITY:
            return AccessEntry(
                at,
                self._who(subject, record),
                "Keeping your account safe",
                SIGN_IN.get((record.action, record.outcome), "A security check"),
                allowed,
                record.reason,
            )
        emergency = record.purpose == BREAK_GLASS_PURPOSE or "care:break_glass" in record.rule_ids
        reason = None
        if record.purpose == BREAK_GLASS_PURPOSE or not allowed:
            reason = record.reason
        elif record.reason and record.reason.startswith("inbound "):
            reason = record.reason.replace("inbound", "You got in touch by", 1)
        who = self._who(subject, record)
        own = who == YOU_PORTAL and record.action == Action.READ and allowed
        return AccessEntry(
            at,
            who,
            self._why(record.purpose),
            "looked at your record" if own else self._what(record),
            allowed,
            reason,
            emergency,
            record.request_id,
        )

    def _who(self, subject: str, record: AccessRecord) -> str:
        if record.role == SELF_ROLE:
            if record.actor != self_actor(subject):
                return "Someone signing in to the portal"
            portal = record.purpose in (self.policy.rights.purpose, SECURITY)
            return YOU_PORTAL if portal else "You"
        if record.role == REPRESENTATIVE_ROLE:
            return "Someone acting for you (a parent or a representative), in the portal"
        if record.role == OPERATOR or record.actor == OPERATOR:
            return "The clinic's administrator, at the server"
        if f"role:{record.role}" in self.compiled.titles:
            return self.compiled.title("role", record.role)
        return "The clinic's systems"

    def _why(self, purpose: str) -> str:
        if purpose == BREAK_GLASS_PURPOSE:
            return "Emergency access to your record (break-glass)"
        title = self.compiled.title("purpose", purpose)
        return title if title != purpose else purpose.replace("_", " ").capitalize()

    def _what(self, record: AccessRecord) -> str:
        if record.purpose == BREAK_GLASS_PURPOSE:
            return "opened your record in an emergency"
        for rule in record.rule_ids:
            if rule in CHANGES:
                return CHANGES[rule]
            if rule.startswith("consent:") and "/" in rule:
                choice = rule.rsplit("/", 1)[1]
                said = "you agreed" if choice in ("granted", "soft_opt_in") else "you said no"
                if choice in ("granted", "withdrawn", "soft_opt_in"):
                    return f"recorded that {said}"
        doing = DOING.get(record.action, record.action)
        if record.categories:
            titles = [self.compiled.title("category", c) for c in record.categories]
            return f"{doing} your {', '.join(titles)}"
        about = next((v for k, v in ABOUT.items() if k in (record.reason or "")), None)
        if record.action == Action.CREATE and about is None:
            return "recorded a request you made"
        return f"{doing} {about or 'your record'}"

    @staticmethod
    def _same_request(last: AccessEntry, entry: AccessEntry) -> bool:
        return (
            entry.request_id is not None
            and entry.request_id == last.request_id
            and (entry.who, entry.why, entry.allowed) == (last.who, last.why, last.allowed)
            and not (entry.emergency or last.emergency)
        )

    @staticmethod
    def _merged(last: AccessEntry, entry: AccessEntry) -> AccessEntry:
        """One line for one request: ``looked at your Identity, Contact`` and ``looked at
        your Appointments`` become ``looked at your Identity, Contact, Appointments``."""
        told = last.what.split("; ")
        for part in entry.what.split("; "):
            verb, _, things = part.partition(" your ")
            for index, earlier in enumerate(told):
                before, _, had = earlier.partition(" your ")
                if before == verb and things:
                    new = [t for t in things.split(", ") if t not in had.split(", ")]
                    if new:
                        told[index] = f"{earlier}, {', '.join(new)}"
                    break
            else:
                told.append(part)
        return replace(last, what="; ".join(told))
