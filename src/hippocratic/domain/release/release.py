"""The release API: a table and a spec in, a de-identified table and its report out.

    from hippocratic.domain.release.release import anonymise
    release = anonymise(frame, spec, release_key=key)
    release.table      # pandas DataFrame, suppressed rows removed
    release.report     # ReleaseReport

Refuses (``InputError``) a spec naming a missing column, a column the spec does not classify,
a direct identifier left in (``DirectIdentifierRefused``: recognised by name, by the policy's
classification or by content, see ``direct_identifier``) unless a DPO overrides it with a reason,
a value a built-in hierarchy cannot read (``UnparseableValue``), a hierarchy that does not cover
a value, k larger than the table, or a pseudonymised column without a release key. Nothing is
produced unless all is well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hippocratic.domain.release import hierarchy as hierarchies
from hippocratic.domain.release.direct_identifier import Classified, Finding, recognise
from hippocratic.domain.release.lattice import search
from hippocratic.domain.release.privacy_model import Models
from hippocratic.domain.release.pseudonym import pseudonymise
from hippocratic.domain.release.report import (
    MOTIVATED_INTRUDER,
    IdentifierOverride,
    IntruderQuestion,
    LevelChosen,
    ReleaseReport,
)
from hippocratic.domain.release.spec import Handling, QuasiIdentifier, ReleaseSpec
from hippocratic.errors import DirectIdentifierRefused, InputError

LOSS_METRIC = (
    "precision with suppression: mean over rows and quasi-identifiers of "
    "level/height, a suppressed row counting as 1"
)


@dataclass(frozen=True)
class Release:
    table: pd.DataFrame
    report: ReleaseReport
    rows_released: tuple[int, ...] = ()
    """The positions (from 0) in the input of the rows released, in the table's order: whose
    data went out, for the disclosure log."""


def _hierarchy(
    spec: ReleaseSpec, column: str, how: QuasiIdentifier, values: pd.Series
) -> hierarchies.Hierarchy:
    observed = values.tolist()
    if how.hierarchy:
        return hierarchies.read_arx(spec.base / how.hierarchy, column)
    widths = tuple(how.widths or ())
    if how.builtin == "age_bands":
        return hierarchies.age_bands(column, observed, tuple(int(w) for w in widths) or (5, 10, 20))
    if how.builtin == "dates":
        return hierarchies.dates(column, observed)
    if how.builtin == "uk_postcode":
        return hierarchies.uk_postcodes(column, observed)
    if how.builtin == "numeric" and widths:
        return hierarchies.numeric_bins(column, observed, widths)
    raise InputError(
        f"quasi-identifier {column} needs a hierarchy file or a builtin",
        field=f"quasi_identifiers.{column}",
    )


def _identifiers(
    frame: pd.DataFrame,
    spec: ReleaseSpec,
    classified: Iterable[Classified],
    overrides: Mapping[str, str],
) -> list[tuple[Finding, str]]:
    """Refuse any direct identifier the spec would release, unless overridden; return the
    overrides used, each with its finding, for the report."""
    released = [*spec.keep, *spec.sensitive, *spec.quasi_identifiers]
    found = recognise({c: frame[c].tolist() for c in released}, classified)
    refused = {
        column: finding
        for column, finding in found.items()
        if not (finding.quasi and column in spec.quasi_identifiers)
    }
    for column, reason in overrides.items():
        if column not in released:
            raise InputError(
                f"an override names {column}, which the spec does not release",
                field="override_identifier",
                hint=f"columns released: {sorted(released)}",
            )
        if column not in refused:
            raise InputError(
                f"an override names {column}, which is not recognised as a direct identifier",
                field="override_identifier",
                hint="override only a column the release refuses",
            )
        if not reason.strip():
            raise InputError(
                f"the override of {column} needs a reason",
                field="reason",
                hint="say why releasing it is lawful and safe; the report records it",
            )
    blocked = {c: f for c, f in refused.items() if c not in overrides}
    if blocked:
        names = sorted(blocked)
        raise DirectIdentifierRefused(
            "direct identifiers would be released: "
            + "; ".join(f"{c}: {blocked[c].reason}" for c in names),
            field=names[0],
            hint=(
                "list them under direct_identifiers as remove or pseudonymise; a DPO may let "
                "one through with --override-identifier COLUMN --reason TEXT"
            ),
            details=[
                {
                    "column": c,
                    "kind": blocked[c].kind,
                    "witness": blocked[c].witness.value,
                    "detail": blocked[c].detail,
                }
                for c in names
            ],
        )
    return [(refused[c], overrides[c].strip()) for c in sorted(overrides)]


def _check(frame: pd.DataFrame, spec: ReleaseSpec, release_key: bytes | None) -> None:
    missing = sorted(spec.columns() - set(frame.columns))
    if missing:
        raise InputError(
            f"the spec names columns the data does not have: {missing}",
            field="spec",
            hint=f"columns present: {list(frame.columns)}",
        )
    unclassified = sorted(set(frame.columns) - spec.columns())
    if unclassified:
        raise InputError(
            f"the spec does not say what these columns are: {unclassified}",
            field="spec",
            hint="list each under direct_identifiers, quasi_identifiers, sensitive or keep",
        )
    if spec.models.k > len(frame):
        raise InputError(
            f"k = {spec.models.k} is larger than the table ({len(frame)} rows)", field="models.k"
        )
    pseudonymised = [
        c for c, how in spec.direct_identifiers.items() if how is Handling.PSEUDONYMISE
    ]
    if pseudonymised and not release_key:
        raise InputError(
            "pseudonymising needs a release key",
            field="release_key",
            hint="pass --key-file with at least 32 random bytes",
        )


def anonymise(
    frame: pd.DataFrame,
    spec: ReleaseSpec,
    release_key: bytes | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    classified: Iterable[Classified] = (),
    overrides: Mapping[str, str] | None = None,
    overridden_by: str | None = None,
    pseudonym_scope: str | None = None,
) -> Release:
    """``classified``: the fields the organisation's policy classifies as identifying;
    ``overrides``: column -> the DPO's reason for releasing a recognised direct identifier;
    ``overridden_by``: who gave them, for the report; ``pseudonym_scope``: what pseudonyms are
    stable within, in place of the spec's project (a release from the store keys them to the
    recipient instead, so one recipient's pseudonyms stay the same from release to release)."""
    _check(frame, spec, release_key)
    frame = frame.copy()
    for column in (*spec.quasi_identifiers, *spec.sensitive, *spec.keep):
        frame[column] = frame[column].fillna("").astype(str)
    for column, qi in spec.quasi_identifiers.items():
        if qi.builtin:  # blank is missing: one class, however many spaces it holds
            frame[column] = frame[column].where(frame[column].str.strip() != "", "")
    let_through = _identifiers(frame, spec, classified, overrides or {})
    qis = list(spec.quasi_identifiers)
    chosen = {c: _hierarchy(spec, c, spec.quasi_identifiers[c], frame[c]) for c in qis}
    codes = [chosen[c].encode(frame[c].to_numpy(dtype=object)) for c in qis]
    sensitive = [pd.factorize(frame[c].astype(str))[0].astype(np.int32) for c in spec.sensitive]
    models = Models(
        k=spec.models.k,
        l_distinct=spec.models.l,
        l_entropy=spec.models.entropy_l or 1.0,
        max_suppression=spec.models.max_suppression,
    )
    result = search(codes, sensitive, models, progress)
    if result is None:
        raise InputError(
            "no generalisation meets the models within the suppression budget",
            field="models",
            hint="raise max_suppression, lower k or l, or add levels",
        )
    keep = ~result.suppressed
    released = tuple(int(i) for i in np.flatnonzero(np.asarray(keep)))
    out = frame.loc[keep].copy()
    for column, level in zip(qis, result.node, strict=True):
        hierarchy = chosen[column]
        if level or hierarchy.blank_suppressed:
            mapping = {value: hierarchy.generalise(value, level) for value in hierarchy.levels}
            out[column] = out[column].astype(str).map(mapping)
    removed: list[str] = []
    pseudonymised: list[str] = []
    for column, how in spec.direct_identifiers.items():
        if how is Handling.REMOVE:
            out = out.drop(columns=[column])
            removed.append(column)
        else:
            assert release_key is not None
            out[column] = pseudonymise(
                release_key, pseudonym_scope or spec.project, column, out[column].astype(str)
            )
            pseudonymised.append(column)
    out = out.reset_index(drop=True)
    suppressed = int(result.suppressed.sum())
    report = ReleaseReport(
        project=spec.project,
        models={
            "k": spec.models.k,
            "l": spec.models.l,
            "entropy_l": spec.models.entropy_l,
            "max_suppression": spec.models.max_suppression,
        },
        rows_in=len(frame),
        rows_out=len(out),
        rows_suppressed=suppressed,
        suppression_share=suppressed / len(frame),
        achieved_k=result.evaluation.min_class,
        achieved_l=result.evaluation.min_l if spec.sensitive else None,
        information_loss=result.loss,
        loss_metric=LOSS_METRIC,
        levels=[
            LevelChosen(
                column=c,
                level=lv,
                height=chosen[c].height,
                example=str(out[c].iloc[0]) if len(out) else "",
            )
            for c, lv in zip(qis, result.node, strict=True)
        ],
        removed=removed,
        pseudonymised=pseudonymised,
        identifier_overrides=[
            IdentifierOverride(
                column=finding.column,
                kind=finding.kind,
                recognised_by=finding.witness.value,
                detail=finding.detail,
                reason=reason,
                by=overridden_by,
            )
            for finding, reason in let_through
        ],
        lattice_nodes=result.nodes,
        lattice_evaluated=result.evaluated,
        motivated_intruder=[IntruderQuestion(question=q) for q in MOTIVATED_INTRUDER],
    )
    return Release(out, report, released)
