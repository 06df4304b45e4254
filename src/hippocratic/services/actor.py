"""Who is acting: a member of staff (or an integration's token) in one organisation, in one
role from its policy. Every service acts as an ``Actor``; the guard decides on its role."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    organisation: str
    actor: str
    """The username of a member of staff, ``token:<id>`` for an API token, ``operator`` for
    the command line, or a named job."""
    role: str
    request_id: str | None = None
    """The request this actor acts in (a web request's ``X-Request-ID``): written on every
    audit event a service records for it, whichever service that is."""
