"""The one exception tree. Every error has a stable ``code`` that faces map to exit codes,
HTTP statuses and the JSON error envelope; nothing else in the package defines a base error.

    HippocraticError
    ├── InputError            input.invalid        400  bad flag, date, file or request body
    │   ├── PolicyInvalid     policy.invalid       422  a policy file that fails validation
    │   ├── CardNumberRefused input.card_number    400  a payment card number, never stored
    │   ├── UnparseableValue  input.unparseable    400  a value a built-in hierarchy cannot read
    │   ├── DirectIdentifierRefused
    │   │                     release.direct_identifier 400  a release that would leave one in
    │   ├── NoticeRequired    collection.notice    400  a capture without the notice presented
    │   └── TooLarge          input.too_large      413  a request body over the limit
    ├── AuthenticationFailed  auth.failed          401  wrong password or code (never which)
    │   ├── AccountLocked     auth.locked          429  too many failures: wait, then retry
    │   └── SignInRequired    auth.required        401  no valid session or API token
    ├── CsrfRejected          auth.csrf            403  a form or call without its CSRF token
    ├── InsecureTransport     transport.insecure   403  a change sent over plain HTTP
    ├── NotFound              not_found            404
    ├── Conflict              conflict             409
    │   └── StoreExists       store.exists         409  init on a store that already holds data
    ├── AccessDenied          guard.denied         403  the guard said no
    ├── Erased                vault.erased         410  the subject's key was destroyed
    ├── TamperedData          vault.tampered       500  a ciphertext that does not belong here
    │   └── BackupTampered    backup.tampered      500  a backup file whose digest does not match
    ├── IntegrityFailure      audit.integrity      500  the audit chain does not verify
    └── ConfigurationError    config.invalid       500  missing key file, bad database URL
"""

from __future__ import annotations

from typing import Any, ClassVar


class HippocraticError(Exception):
    """Base of every error the package raises on purpose."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        hint: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The ``error`` member of the JSON envelope."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.hint is not None:
            body["hint"] = self.hint
        if self.details is not None:
            body["details"] = self.details
        return body


class InputError(HippocraticError):
    code = "input.invalid"
    http_status = 400
    exit_code = 2


class PolicyInvalid(InputError):
    code = "policy.invalid"
    http_status = 422


class ControlCharacter(InputError):
    """A NUL character in text: no field may hold one (PostgreSQL text cannot)."""

    code = "input.control_character"


class CardNumberRefused(InputError):
    """A full card number where none may be: refused before anything is stored or logged."""

    code = "input.card_number"


class UnparseableValue(InputError):
    """A value a built-in release hierarchy cannot read (a date, an age, a number, a postcode).
    Names the column, the row and what kind of value it is, never the value itself."""

    code = "input.unparseable"


class DirectIdentifierRefused(InputError):
    """A release that would leave a direct identifier in: ``details`` lists each column and why
    it was recognised (its name, the policy's classification, or its content)."""

    code = "release.direct_identifier"


class NoticeRequired(InputError):
    """Personal data offered without the privacy notice that must be presented first (Art. 13)."""

    code = "collection.notice"


class ConsentRefused(InputError):
    """A submission that is no valid consent record (Art. 4(11), 7): each kind has its code."""

    code = "consent.invalid"


class ConsentNotAffirmative(ConsentRefused):
    code = "consent.not_affirmative"


class ConsentPreTicked(ConsentRefused):
    code = "consent.pre_ticked"


class ConsentBundled(ConsentRefused):
    code = "consent.bundled"


class ConsentEvidenceMissing(ConsentRefused):
    code = "consent.evidence"


class ConsentWordingMismatch(ConsentRefused):
    """The words shown are not the policy's words for the purpose now."""

    code = "consent.wording"


CONSENT_REFUSALS: dict[str, type[ConsentRefused]] = {
    kind.code: kind
    for kind in (
        ConsentRefused,
        ConsentNotAffirmative,
        ConsentPreTicked,
        ConsentBundled,
        ConsentEvidenceMissing,
        ConsentWordingMismatch,
    )
}


class TooLarge(InputError):
    code = "input.too_large"
    http_status = 413


class NotAPerson(InputError):
    """A rights request names an organisation (a referring practice, an insurer): the rights
    are a natural person's (UK GDPR Art. 4(1); S0-115). A person who works there is a person."""

    code = "rights.not_a_person"
    http_status = 422


class AuthenticationFailed(HippocraticError):
    code = "auth.failed"
    http_status = 401
    exit_code = 2


class AccountLocked(AuthenticationFailed):
    code = "auth.locked"
    http_status = 429


class SignInRequired(AuthenticationFailed):
    code = "auth.required"


class TrainingRequired(AuthenticationFailed):
    """The account sees patient data but has no signed confidentiality agreement or no
    current data-security training (L-13): access waits until both are recorded."""

    code = "auth.training"
    http_status = 403


class CsrfRejected(HippocraticError):
    code = "auth.csrf"
    http_status = 403


class InsecureTransport(HippocraticError):
    """A form or other change sent unencrypted from another machine (S0-84)."""

    code = "transport.insecure"
    http_status = 403


class NotFound(HippocraticError):
    code = "not_found"
    http_status = 404


class Conflict(HippocraticError):
    code = "conflict"
    http_status = 409


class StoreExists(Conflict):
    code = "store.exists"


class AccessDenied(HippocraticError):
    code = "guard.denied"
    http_status = 403
    exit_code = 3


class Erased(HippocraticError):
    code = "vault.erased"
    http_status = 410


class TamperedData(HippocraticError):
    code = "vault.tampered"
    http_status = 500
    exit_code = 4


class BackupTampered(TamperedData):
    """A backup whose files do not match the SHA-256 digests its manifest records."""

    code = "backup.tampered"


class IntegrityFailure(HippocraticError):
    code = "audit.integrity"
    http_status = 500
    exit_code = 4


class ConfigurationError(HippocraticError):
    code = "config.invalid"
    http_status = 500
