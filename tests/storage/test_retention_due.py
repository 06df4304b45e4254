"""The sweep's SQL test of "due" agrees with the retention calculus, record by record: facts
generated at random (children, 17-year-olds, deaths, opt-outs, 29 February, month ends), every
rule of both shipped policies, several as-of days, on both backends."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, Table, create_engine, insert, select
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY

from hippocratic.domain.retention_due import plan
from hippocratic.domain.retention_schedule import DisposalState, RecordFacts, disposal
from hippocratic.errors import InputError
from hippocratic.policy.financial_year import YearEnd
from hippocratic.policy.loader import load_policy
from hippocratic.storage.retention_due import FactColumns, due

FACTS = (
    "born",
    "last_seen",
    "end_of_treatment",
    "died",
    "collected",
    "last_interaction",
    "opted_out",
)


def _day(rng: random.Random, after: date, years: int) -> date:
    special = [date(2004, 2, 29), date(2008, 2, 29), date(2001, 1, 31), date(2003, 8, 31)]
    if rng.random() < 0.1:
        return max(after, rng.choice(special))
    return after + timedelta(days=rng.randrange(365 * years))


def _facts(rng: random.Random) -> dict[str, date | None]:
    born = _day(rng, date(1950, 1, 1), 60) if rng.random() < 0.8 else None
    base = born or date(1990, 1, 1)
    facts: dict[str, date | None] = {"born": born}
    for name in FACTS[1:]:
        chance = 0.2 if name in ("died", "opted_out") else 0.7
        facts[name] = _day(rng, base, 30) if rng.random() < chance else None
    if born and rng.random() < 0.3:  # a child, or someone 17 when care ended
        facts["last_seen"] = born + timedelta(
            days=rng.choice([16, 17, 17, 18]) * 365 + rng.randrange(365)
        )
    return facts


@pytest.mark.promise("S0-76", "S0-77", "L-07")
@pytest.mark.parametrize("year_end", [None, YearEnd(3, 31), YearEnd(12, 31)], ids=str)
def test_the_sql_test_of_due_agrees_with_the_calculus(
    database_url: str, year_end: YearEnd | None
) -> None:
    """With no financial year end stated, the calculus assumes one 12 months after each
    record; with one stated, each record's year end is the one its date falls in."""
    rng = random.Random(15)
    rows = [{"id": i, **_facts(rng)} for i in range(600)]
    metadata = MetaData()
    probe = Table(
        "retention_probe",
        metadata,
        Column("id", Integer, primary_key=True),
        *(Column(name, Date, nullable=True) for name in FACTS),
    )
    engine = create_engine(database_url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(probe), rows)
    columns = FactColumns(**{name: probe.c[name] for name in FACTS})
    rules = [*load_policy(HARMONIC_POLICY).retention, *load_policy(HARMONY_POLICY).retention]
    compared = 0
    for as_of in (date(2030, 3, 1), date(2044, 2, 29), date(2049, 12, 31), date(2061, 6, 15)):
        for rule in rules:
            expected = set()
            for row in rows:
                facts = RecordFacts(**{name: row[name] for name in FACTS})
                if year_end is not None and facts.collected is not None:
                    facts = replace(facts, financial_year_end=year_end.ending(facts.collected))
                try:
                    outcome = disposal(rule, facts)
                except InputError:
                    continue
                when = outcome.disposal_date
                if outcome.state is DisposalState.DUE and when is not None and when <= as_of:
                    expected.add(row["id"])
            with engine.connect() as connection:
                found = set(
                    connection.scalars(
                        select(probe.c.id).where(due(plan(rule, as_of, year_end), columns))
                    )
                )
            assert found == expected, (rule.key, as_of, sorted(found ^ expected)[:5])
            compared += len(expected)
    engine.dispose()
    assert compared > 1000
