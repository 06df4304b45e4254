"""The retention sweep: every record due under its rule on ``as_of`` is dealt with as the rule
says (deleted, anonymised, or put up for review by the DPO), holds excepted, in set-based SQL.

Crash safety. Each rule's disposal is one transaction with its certificate, so it happened
with its record in the ledger or not at all. A review's decision to dispose is carried out in
batches of subjects, one transaction each: the records go, and a subject left holding nothing
is queued for crypto-shredding in the same commit; the key store is another database, so the
keys are destroyed after it, and any a killed run left are destroyed first by the next run.
Every step finds its work afresh from the store, so running again finishes what a run began.

Certificates name the run, the day, the rule, the kind of record and how many, never what they
held; a rule whose source is not verified says so in its certificate and in the run's counts.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from hippocratic.domain.retention_due import DuePlan, plan
from hippocratic.policy.retention import RetentionAction, RetentionRule
from hippocratic.services import site_analytics
from hippocratic.services.actor import Actor
from hippocratic.services.retention_kinds import (
    Sweepable,
    source_verified,
    sweepables,
    verified,
    year_end_assumed,
)
from hippocratic.services.retention_report import VERBS, RunReport
from hippocratic.services.store import Store
from hippocratic.storage import disposal_deletions as deletions
from hippocratic.storage import erasure as store_erasure
from hippocratic.storage import retention_sweep as sweep_sql
from hippocratic.storage import review_disposal
from hippocratic.storage.campaign import CampaignMessageRow
from hippocratic.storage.disposal_register import RETENTION, Disposal
from hippocratic.storage.ledger import AuditEvent, append
from hippocratic.storage.retention import RetentionFactRow, RetentionRunRow, RetentionShredRow
from hippocratic.storage.retention_due import FactColumns, due
from hippocratic.storage.retention_sweep import Source

JOB = "retention-job"
BATCH = 500


class RetentionSweep:
    def __init__(self, store: Store, organisation: str, actor: str = JOB) -> None:
        self.store = store
        self.organisation = organisation
        self.actor = Actor(organisation, actor, "system")
        self.policy = store.policy_of(organisation)
        self.items = sweepables(self.policy)
        self.year_end = self.policy.organisation.year_end
        dpo = next((r for r in self.policy.roles if r.dpo), None)
        self.review_role = dpo.key if dpo else "dpo"

    # -- the SQL of one kind under its rule ------------------------------------------------

    def plan(self, rule: RetentionRule, as_of: date) -> DuePlan:
        return plan(rule, as_of, self.year_end)

    def facts(self) -> Any:
        marketing = self.policy.marketing
        return sweep_sql.subject_facts(self.organisation, marketing.purpose if marketing else None)

    def due(self, item: Sweepable, as_of: date) -> Any:
        facts = self.facts()
        query = sweep_sql.due_items(
            self.organisation, item.source, self.plan(item.rule, as_of), facts
        )
        if item.child is not None:
            columns = FactColumns(
                born=facts.c.born,
                last_seen=facts.c.last_seen,
                end_of_treatment=facts.c.end_of_treatment,
                died=facts.c.died,
            )
            child: DuePlan = self.plan(item.child, as_of)
            query = query.where(or_(facts.c.born.is_(None), due(child, columns)))
        return query

    # -- the run ---------------------------------------------------------------------------

    def run(self, as_of: date, *, dry_run: bool = False) -> RunReport:
        run_id = self._start(as_of, dry_run)
        report = RunReport(run_id, self.organisation, as_of, dry_run)
        report.unverified = sorted(
            {i.rule.key for i in self.items if not verified(i.rule, self.year_end)}
        )
        if not dry_run:
            report.shredded += self._finish_shreds()
        for item in self.items:
            self._sweep(item, as_of, report)
        for rule in dict.fromkeys(i.rule.key for i in self.items):
            self._review(rule, as_of, report)
        self._dispose_approved(as_of, report)
        self._sweep_visits(as_of, report)
        self._finish(report)
        return report

    def _start(self, as_of: date, dry_run: bool) -> str:
        with self.store.sessions.begin() as session:
            if not dry_run:
                unfinished = session.scalar(
                    select(RetentionRunRow.run_id).where(
                        RetentionRunRow.organisation_id == self.organisation,
                        RetentionRunRow.as_of == as_of,
                        RetentionRunRow.dry_run.is_(False),
                        RetentionRunRow.finished_at.is_(None),
                    )
                )
                if unfinished is not None:
                    return unfinished
            run_id = str(uuid.uuid4())
            session.add(
                RetentionRunRow(
                    organisation_id=self.organisation,
                    run_id=run_id,
                    as_of=as_of,
                    started_at=self.store.clock.now(),
                    dry_run=dry_run,
                    started_by=self.actor.actor,
                    counts="{}",
                )
            )
        return run_id

    def _sweep(self, item: Sweepable, as_of: date, report: RunReport) -> None:
        rule, source = item.rule, item.source
        query = self.due(item, as_of)
        if rule.action is RetentionAction.REVIEW:
            return
        anonymise = source.table is CampaignMessageRow
        action = "anonymise" if anonymise else "delete"
        key = f"{rule.key}/{source.kind}/{action}"
        with self.store.sessions.begin() as session:
            if report.dry_run:
                n = sweep_sql.count(session, query)
            else:
                done = (
                    sweep_sql.anonymise_items(session, self.organisation, query)
                    if anonymise
                    else sweep_sql.delete_items(session, self.organisation, source, query)
                )
                n = self._register(report, source, action, done)
                self._certify(session, report, rule, source.kind, action, n, key)
        self._add(report, key, n)

    def _sweep_visits(self, as_of: date, report: RunReport) -> None:
        """The website's own analytics due (no patient): one statement, certified with it."""
        with self.store.sessions.begin() as session:
            done = site_analytics.dispose(
                session, self.policy, self.organisation, as_of, dry_run=report.dry_run
            )
            if done is None:
                return
            rule, action, n = done
            key = f"{rule.key}/site_visit/{action}"
            if not report.dry_run:
                self._certify(session, report, rule, "site_visit", action, n, key)
        if not verified(rule, self.year_end):
            report.unverified = sorted({*report.unverified, rule.key})
        self._add(report, key, n)

    def _review(self, key: str, as_of: date, report: RunReport) -> None:
        """Open one review per unit due under a review rule, across every kind it governs."""
        items = [i for i in self.items if i.rule.key == key]
        rule = items[0].rule
        if rule.action is not RetentionAction.REVIEW:
            return
        due = [(i.source, self.due(i, as_of)) for i in items]
        units = sweep_sql.reviewable(self.organisation, key, as_of, due)
        count_key = f"{key}/review"
        with self.store.sessions.begin() as session:
            if report.dry_run:
                n = sweep_sql.count(session, units)
            else:
                n = sweep_sql.open_reviews(
                    session, self.organisation, key, as_of, self.review_role, report.run_id, units
                )
                self._certify(session, report, rule, "record", "review", n, count_key)
        self._add(report, count_key, n)

    def _dispose_approved(self, as_of: date, report: RunReport) -> None:
        reviewed = [i for i in self.items if i.rule.action is RetentionAction.REVIEW]
        if report.dry_run:
            with self.store.sessions() as session:
                for item in reviewed:
                    query = review_disposal.approved(self.organisation, item.rule.key, item.source)
                    self._add(
                        report,
                        f"{item.rule.key}/{item.source.kind}/dispose",
                        sweep_sql.count(session, query),
                    )
            return
        after = ""
        while True:
            with self.store.sessions.begin() as session:
                batch = review_disposal.subjects_with_approvals(
                    session, self.organisation, BATCH, after
                )
                if not batch:
                    break
                after = batch[-1]
                self._dispose_batch(session, batch, report)
            report.shredded += self._finish_shreds()

    def _dispose_batch(self, session: Session, batch: list[str], report: RunReport) -> None:
        """Carry out the decisions to dispose on ``batch``: per kind a review rule governs, its
        keys read once, those no hold keeps deleted by key; what is left (held, or pointed at
        by a kept record) keeps its decision open for a later run."""
        org, now = self.organisation, self.store.clock.now()
        left: set[tuple[str, str, str, str]] = set()
        for item in self.items:
            if item.rule.action is not RetentionAction.REVIEW:
                continue
            source = item.source
            free, held = review_disposal.approved_keys(session, org, item.rule.key, source, batch)
            done = review_disposal.delete_keys(session, org, source, free)
            n = self._register(report, source, "delete", done)
            key = f"{item.rule.key}/{source.kind}/dispose"
            if n:
                self._certify(session, report, item.rule, source.kind, "dispose", n, key)
            self._add(report, key, n)
            gone = set(done)
            for subject, record in [*held, *(k for k in free if k not in gone)]:
                unit = ("record", subject) if source.subject_level else (source.kind, record)
                left.add((subject, item.rule.key, *unit))
        tables = list(dict.fromkeys(store_erasure.RECORD_TABLES.values()))
        whole = review_disposal.emptied(session, org, batch, tables)
        if whole:
            store_erasure.end_care(session, org, whole)
            store_erasure.unlink_campaigns(session, org, whole)
            session.execute(
                delete(RetentionFactRow).where(
                    RetentionFactRow.organisation_id == org, RetentionFactRow.subject_id.in_(whole)
                )
            )
            session.add_all(
                RetentionShredRow(
                    organisation_id=org, subject_id=s, run_id=report.run_id, queued_at=now
                )
                for s in whole
            )
        review_disposal.mark_disposed(session, org, batch, left, report.run_id, now)
        events = [
            self._event(
                subject,
                "erase",
                [],
                "retention disposal: everything held about the patient "
                f"disposed of after review, key destroyed (crypto-shredding); run {report.run_id}",
            )
            for subject in whole
        ]
        if events:
            append(session, org, events, self.store.notary(org))
        self._add(report, "subjects/whole/shred", len(whole))

    def _finish_shreds(self) -> int:
        """Destroy the key of every subject a committed batch queued: one batch shred per run
        that queued them (one key-store transaction, their register entries in it)."""
        with self.store.sessions() as session:
            pending = session.execute(
                select(RetentionShredRow.run_id, RetentionShredRow.subject_id)
                .where(
                    RetentionShredRow.organisation_id == self.organisation,
                    RetentionShredRow.shredded_at.is_(None),
                )
                .order_by(RetentionShredRow.run_id, RetentionShredRow.subject_id)
            ).all()
        runs: dict[str, list[str]] = {}
        for run_id, subject in pending:
            runs.setdefault(run_id, []).append(subject)
        for run_id, subjects in runs.items():
            why = Disposal(RETENTION, run_id, self.actor.actor)
            self.store.vault.shred_many(self.organisation, subjects, why)
            with self.store.sessions.begin() as session:
                for start in range(0, len(subjects), BATCH):
                    session.execute(
                        update(RetentionShredRow)
                        .where(
                            RetentionShredRow.organisation_id == self.organisation,
                            RetentionShredRow.subject_id.in_(subjects[start : start + BATCH]),
                        )
                        .values(shredded_at=self.store.clock.now())
                    )
        return len(pending)

    def _finish(self, report: RunReport) -> None:
        with self.store.sessions.begin() as session:
            row = session.get(RetentionRunRow, (self.organisation, report.run_id))
            assert row is not None
            row.finished_at = self.store.clock.now()
            row.counts = json.dumps({**report.counts, "unverified_rules": report.unverified})
            if not report.dry_run:
                total = sum(report.counts.values())
                summary = (
                    ", ".join(f"{k}={v}" for k, v in sorted(report.counts.items()) if v)
                    or "nothing due"
                )
                unverified = (
                    f"; rules not verified in a primary text: {', '.join(report.unverified)}"
                    if report.unverified
                    else ""
                )
                append(
                    session,
                    self.organisation,
                    [
                        self._event(
                            None,
                            "dispose",
                            ["retention:run"],
                            f"retention run certificate: run {report.run_id} as of {report.as_of}: "
                            f"{total} item(s): {summary}{unverified}",
                        )
                    ],
                    self.store.notary(self.organisation),
                )

    def _register(
        self,
        report: RunReport,
        source: Source,
        action: str,
        done: Sequence[tuple[str | None, str]],
    ) -> int:
        """Enter what the open transaction disposed of in the deletion register, committed
        in the key store before that transaction commits; returns how many."""
        why = Disposal(RETENTION, report.run_id, self.actor.actor)
        deletions.record(
            self.store.key_engine, self.organisation, source.kind,
            source.table.__tablename__, action, done, self.store.clock.now(), why,
        )  # fmt: skip
        return len(done)

    # -- certificates ----------------------------------------------------------------------

    def _event(self, subject: str | None, action: str, rules: list[str], reason: str) -> AuditEvent:
        return AuditEvent(
            at=self.store.clock.now(),
            actor=self.actor.actor,
            role="system",
            purpose="retention",
            subject=subject,
            action=action,
            outcome="allowed",
            rule_ids=rules,
            request_id=None,
            reason=reason,
        )

    def _certify(
        self,
        session: Session,
        report: RunReport,
        rule: RetentionRule,
        kind: str,
        action: str,
        n: int,
        key: str,
    ) -> None:
        if not n:
            return
        checked = (
            "source NOT verified in a primary text"
            if not source_verified(rule)
            else "financial year end NOT verified: assumed 12 months after each record"
            if year_end_assumed(rule, self.year_end)
            else "source verified"
        )
        reason = (
            f"retention certificate: run {report.run_id} as of {report.as_of}: {n} {kind} "
            f"item(s) {VERBS[action]} under rule {rule.key} "
            f"({rule.citation or 'no citation'}; {checked})"
        )
        event = self._event(None, action, [f"retention:{rule.key}"], reason)
        event = AuditEvent(**{**event.__dict__, "categories": [kind]})
        append(session, self.organisation, [event], self.store.notary(self.organisation))
        with_counts = session.get(RetentionRunRow, (self.organisation, report.run_id))
        if with_counts is not None:
            counts = json.loads(with_counts.counts or "{}")
            counts[key] = counts.get(key, 0) + n
            with_counts.counts = json.dumps(counts)

    @staticmethod
    def _add(report: RunReport, key: str, n: int) -> None:
        report.counts[key] = report.counts.get(key, 0) + n
