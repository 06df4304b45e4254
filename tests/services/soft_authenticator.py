"""A software WebAuthn authenticator for tests: it answers ``navigator.credentials.create``
and ``.get`` options as a platform authenticator would (attestation "none", ES256, the user
present and verified), so the server's checks run against real signed bytes."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
    ).encode()


@dataclass
class SoftAuthenticator:
    origin: str
    rp_id: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(16))
    sign_count: int = 0
    verified: bool = True

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
             -3: numbers.y.to_bytes(32, "big")}
        )  # fmt: skip

    def _auth_data(self, flags: int, extra: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        if self.verified:
            flags |= USER_VERIFIED
        return rp_hash + bytes([flags | USER_PRESENT]) + struct.pack(">I", self.sign_count) + extra

    def create(self, options: str) -> str:
        challenge = json.loads(options)["challenge"]
        attested = (
            bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
            + self._cose_key()
        )  # fmt: skip
        auth_data = self._auth_data(ATTESTED, attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self._credential(
            {
                "clientDataJSON": bytes_to_base64url(
                    _client_data("webauthn.create", challenge, self.origin)
                ),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            }
        )

    def get(self, options: str, *, count: int | None = None) -> str:
        challenge = json.loads(options)["challenge"]
        self.sign_count = self.sign_count + 1 if count is None else count
        auth_data = self._auth_data(0)
        client_data = _client_data("webauthn.get", challenge, self.origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return self._credential(
            {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": None,
            }
        )

    def _credential(self, response: dict[str, Any]) -> str:
        identifier = bytes_to_base64url(self.credential_id)
        return json.dumps(
            {"id": identifier, "rawId": identifier, "type": "public-key", "response": response,
             "clientExtensionResults": {}, "authenticatorAttachment": "platform"}
        )  # fmt: skip
