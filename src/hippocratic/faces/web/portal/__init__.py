"""The patient portal, ``/portal``: patients sign in with a code sent to the contact on their
record and their date of birth (or with a passkey they added), and see everything held about
them, their consents (agree or withdraw in one click), who accessed their record and why, and
their requests. Every page is server-rendered with a JSON twin and needs no script (a passkey
needs the browser's own, and the code always works); it acts through the same services as
the console, as the patient themselves."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.templating import Jinja2Templates

from hippocratic.faces.web.portal.passkey_pages import passkey_router
from hippocratic.faces.web.portal.record_pages import record_router
from hippocratic.faces.web.portal.representative_pages import representative_router
from hippocratic.faces.web.portal.sign_in_pages import sign_in_router


def portal_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.include_router(sign_in_router(templates))
    router.include_router(record_router(templates))
    router.include_router(passkey_router(templates))
    router.include_router(representative_router(templates))
    return router
