"""The DPO's dashboard (``/console/dpo``), the evidence pack (``/console/dpo/evidence``) and the
record of processing beside the disclosure log (``/console/dpo/processing``), each with its
JSON twin. Another role is refused (403, the error page or the JSON envelope),
and the look is audited either way. The charts are inline SVG drawn by ``bar_chart``, each
with the same numbers in a table."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.faces.web.bar_chart import Bar, bar_chart
from hippocratic.faces.web.console.page import Staff, render
from hippocratic.faces.web.identity import store_of
from hippocratic.services.dpo_dashboard import DpoDashboard, DpoDashboards
from hippocratic.services.evidence_pack import EvidencePacks
from hippocratic.services.processing_record import ProcessingRecords


def charts(shown: DpoDashboard) -> dict[str, str]:
    reads = [Bar(d.day.strftime("%d %b"), d.reads) for d in shown.reads.items]
    rights = [Bar(b.label, b.count, alert=b.label == "overdue") for b in shown.rights_bands]
    return {
        "reads": bar_chart(reads, chart_id="chart-reads", title=shown.reads.title, every=5),
        "rights": bar_chart(
            rights, chart_id="chart-rights", title="Open rights requests by days left"
        ),
    }


def dpo_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/dpo")
    @router.get("/dpo.json")
    def dashboard(request: Request, who: Staff) -> Response:
        shown = DpoDashboards(store_of(request), who.actor).dashboard()
        return render(templates, request, "console/dpo.html", shown, who, charts=charts(shown))

    @router.get("/dpo/evidence")
    @router.get("/dpo/evidence.json")
    def evidence(request: Request, who: Staff) -> Response:
        pack = EvidencePacks(store_of(request), who.actor).pack()
        return render(templates, request, "console/evidence.html", pack, who)

    @router.get("/dpo/processing")
    @router.get("/dpo/processing.json")
    def processing(request: Request, who: Staff) -> Response:
        shown = ProcessingRecords(store_of(request), who.actor).record()
        return render(templates, request, "console/processing.html", shown, who)

    return router
