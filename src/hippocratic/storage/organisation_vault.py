"""One organisation's view of the vault: what the guard and services call.

``Vault.for_organisation(org)`` returns it. Every method is scoped to that organisation, so a
caller holding it cannot name another organisation's keys, whatever subject id it passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from hippocratic.storage.ciphertext import SubjectKey, seal, unseal
from hippocratic.storage.disposal_register import Disposal
from hippocratic.storage.vault import Vault


@dataclass(frozen=True)
class OrganisationVault:
    vault: Vault
    organisation: str

    def ensure_subject_key(self, subject: str) -> SubjectKey:
        """The subject's data key, minted on first use; ``Erased`` after a shred."""
        self.vault.ensure_subject_key(self.organisation, subject)
        return self.vault.subject_cipher(self.organisation, subject)

    def subject_key(self, subject: str) -> SubjectKey:
        """The existing data key; ``Erased`` after a shred, ``ConfigurationError`` if none."""
        return self.vault.subject_cipher(self.organisation, subject)

    def encrypt_field(self, subject: str, field: str, plaintext: str) -> bytes:
        key = self.ensure_subject_key(subject)
        return seal(key, self.organisation, subject, field, plaintext)

    def decrypt_field(self, subject: str, field: str, blob: bytes) -> str:
        """The plaintext; ``Erased`` if the subject was shredded, ``TamperedData`` if the
        ciphertext belongs to another subject, field or organisation."""
        key = self.subject_key(subject)
        return unseal(key, self.organisation, subject, field, blob)

    def decrypt_with(self, key: SubjectKey, subject: str, field: str, blob: bytes) -> str:
        """As ``decrypt_field``, with the subject's key already in hand (many fields)."""
        return unseal(key, self.organisation, subject, field, blob)

    def blind_index(self, field: str, value: str) -> bytes:
        return self.vault.blind_index(self.organisation, field, value)

    def shred_subject(self, subject: str, disposal: Disposal | None = None) -> None:
        """Destroy the subject's key and enter it in the disposal register: a retention sweep
        passes ``Disposal(RETENTION, run_id, actor)``, an erasure its request."""
        self.vault.shred(self.organisation, subject, disposal)

    def is_erased(self, subject: str) -> bool:
        return self.vault.is_erased(self.organisation, subject)
