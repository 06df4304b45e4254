"""``hippocratic marketing``: send a drafted campaign, and the job that anonymises campaign
performance data once the policy's period has passed (for cron or a systemd timer)."""

from __future__ import annotations

from typing import Annotated

import typer

from hippocratic.errors import ConfigurationError
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption, Org
from hippocratic.services.actor import Actor
from hippocratic.services.campaigns import Campaigns
from hippocratic.services.security_event import OPERATOR
from hippocratic.services.store import Store, open_store

app = typer.Typer(help="Marketing campaigns and their performance data.", no_args_is_help=True)


def _marketer(store: Store, organisation: str) -> Actor:
    """The command line acts in the role that works under the policy's marketing purpose."""
    policy = store.policy_of(organisation)
    purpose = policy.marketing.purpose if policy.marketing else None
    role = next((r.key for r in policy.roles if purpose in r.purposes), None)
    if purpose is None or role is None:
        raise ConfigurationError(f"{organisation}'s policy has no role that does marketing")
    return Actor(organisation, OPERATOR, role)


@app.command("send")
def send(
    campaign: Annotated[str, typer.Argument(help="The campaign's id.")],
    organisation: Org,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Send a drafted campaign now, through the SMTP relay in HIPPOCRATIC_SMTP_HOST and
    HIPPOCRATIC_SMTP_PORT, to those whose consent counts at this moment."""
    wants_json(as_json)
    store = open_store(db, keys)
    try:
        report = Campaigns(store, _marketer(store, organisation)).send(campaign)
    finally:
        store.dispose()

    def show() -> None:
        console.print(
            f"sent {report.sent} of {report.audience}; {report.skipped} no longer consenting "
            f"or without an address; {report.failed} failed",
            markup=False,
        )

    emit(report, as_json=as_json, render=show)


@app.command("anonymise")
def anonymise(
    organisation: Annotated[
        str | None, typer.Option("--org", help="Only this organisation.")
    ] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Clear the patient from campaign messages older than the policy's period for
    campaign performance data (Harmonic: 180 days); counts stay."""
    wants_json(as_json)
    store = open_store(db, keys)
    try:
        with store.sessions() as session:
            organisations = [organisation] if organisation else store.organisations(session)
        done = {}
        for org in organisations:
            policy = store.policy_of(org)
            if policy.marketing is None or policy.marketing.campaign_retention is None:
                done[org] = 0
                continue
            done[org] = Campaigns(store, _marketer(store, org)).anonymise_performance()
    finally:
        store.dispose()

    def show() -> None:
        for org, count in done.items():
            console.print(f"{org}: {count} message(s) anonymised", markup=False)

    emit(done, as_json=as_json, render=show)
