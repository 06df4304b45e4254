"""The staff console, ``/console``: server-rendered pages (Jinja2, a little htmx, no script
needed to use them), each with a JSON twin, acting through the same services as the API."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.templating import Jinja2Templates

from hippocratic.faces.web.console.campaign_pages import campaign_router
from hippocratic.faces.web.console.consent_pages import consent_router
from hippocratic.faces.web.console.disclosure_pages import disclosure_router
from hippocratic.faces.web.console.dpo_pages import dpo_router
from hippocratic.faces.web.console.fraud_pages import fraud_router
from hippocratic.faces.web.console.incident_pages import incident_router
from hippocratic.faces.web.console.oversight_pages import oversight_router
from hippocratic.faces.web.console.passkey_pages import passkey_router
from hippocratic.faces.web.console.patient_pages import patient_router
from hippocratic.faces.web.console.record_pages import record_router
from hippocratic.faces.web.console.representative_pages import representative_router
from hippocratic.faces.web.console.retention_pages import retention_router
from hippocratic.faces.web.console.rights_pages import rights_router
from hippocratic.faces.web.console.sign_in_pages import sign_in_router


def console_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.include_router(sign_in_router(templates))
    router.include_router(patient_router(templates))
    router.include_router(record_router(templates))
    router.include_router(passkey_router(templates))
    router.include_router(oversight_router(templates))
    router.include_router(dpo_router(templates))
    router.include_router(consent_router(templates))
    router.include_router(campaign_router(templates))
    router.include_router(rights_router(templates))
    router.include_router(fraud_router(templates))
    router.include_router(incident_router(templates))
    router.include_router(disclosure_router(templates))
    router.include_router(retention_router(templates))
    router.include_router(representative_router(templates))
    return router
