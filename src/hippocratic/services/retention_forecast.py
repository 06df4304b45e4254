"""What falls due under the retention rules in the coming months: per month and rule, how many
records reach their disposal day then (one scan per kind of record, counting every month at
once inside the database), as a table and as a plot (PNG or SVG) for the DPO's page.

Held records are counted too: a hold may be lifted before the day comes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select

from hippocratic.domain.calendar import add_months
from hippocratic.services import site_analytics
from hippocratic.services.retention_kinds import verified
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.store import Store
from hippocratic.storage import retention_sweep as sweep_sql
from hippocratic.storage import site_visit
from hippocratic.storage.retention_due import FactColumns, due

MAX_MONTHS = 120


@dataclass(frozen=True)
class ForecastMonth:
    month: str
    """``YYYY-MM``."""
    ends: date
    by_rule: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_rule.values())


@dataclass(frozen=True)
class Forecast:
    organisation: str
    today: date
    months: list[ForecastMonth]
    actions: dict[str, str]
    """Rule -> what happens at expiry (delete, anonymise, review)."""
    unverified: list[str] = field(default_factory=list)

    def rules(self) -> list[str]:
        return sorted({rule for month in self.months for rule in month.by_rule})


def _month_ends(today: date, months: int) -> list[date]:
    ends = []
    first = today.replace(day=1)
    for n in range(1, months + 1):
        following, _ = add_months(first, n)
        ends.append(following - timedelta(days=1))
    return ends


def forecast(store: Store, organisation: str, today: date, months: int = 12) -> Forecast:
    """Records falling due after ``today`` in each of the next ``months`` calendar months."""
    months = max(1, min(months, MAX_MONTHS))
    sweep = RetentionSweep(store, organisation)
    ends = _month_ends(today, months)
    cumulative: dict[str, list[int]] = {}
    with store.sessions() as session:
        for item in sweep.items:
            facts = sweep.facts()
            columns = FactColumns(
                born=facts.c.born,
                last_seen=facts.c.last_seen,
                end_of_treatment=facts.c.end_of_treatment,
                died=facts.c.died,
                opted_out=facts.c.opted_out,
                collected=sweep_sql.london_day(item.source.collected),
                last_interaction=(
                    sweep_sql.london_day(item.source.last_interaction)
                    if item.source.last_interaction is not None
                    else None
                ),
            )
            table = item.source.table
            sums = []
            for end in [today, *ends]:
                test = due(sweep.plan(item.rule, end), columns)
                if item.child is not None:
                    test = test & (
                        facts.c.born.is_(None) | due(sweep.plan(item.child, end), columns)
                    )
                sums.append(func.sum(case((test, 1), else_=0)))
            query = (
                select(*sums)
                .select_from(table)
                .join(facts, facts.c.subject_id == table.subject_id)
                .where(table.organisation_id == organisation, *item.source.where)
            )
            row = session.execute(query).one()
            counts = [int(value or 0) for value in row]
            totals = cumulative.setdefault(item.rule.key, [0] * (months + 1))
            for i, value in enumerate(counts):
                totals[i] += value
        visits = site_analytics.rule_of(sweep.policy)
        if visits is not None:
            tests = [site_analytics.due_visits(visits, e, sweep.year_end) for e in [today, *ends]]
            counts = site_visit.count_due_each(session, organisation, tests)
            totals = cumulative.setdefault(visits.key, [0] * (months + 1))
            for i, value in enumerate(counts):
                totals[i] += value
    result = []
    for i, end in enumerate(ends):
        by_rule = {
            rule: totals[i + 1] - totals[i]
            for rule, totals in cumulative.items()
            if totals[i + 1] - totals[i]
        }
        result.append(ForecastMonth(end.strftime("%Y-%m"), end, by_rule))
    rules = [i.rule for i in sweep.items] + ([visits] if visits is not None else [])
    actions = {rule.key: rule.action.value for rule in rules}
    unverified = sorted({rule.key for rule in rules if not verified(rule, sweep.year_end)})
    return Forecast(organisation, today, result, actions, unverified)


def plot(result: Forecast, image_format: str = "svg") -> bytes:
    """A stacked bar chart of what falls due each month, by rule (matplotlib, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(9, 4))
    labels = [month.month for month in result.months]
    bottom = [0] * len(labels)
    for rule in result.rules():
        values = [month.by_rule.get(rule, 0) for month in result.months]
        flag = " (source not verified)" if rule in result.unverified else ""
        axes.bar(labels, values, bottom=bottom, label=f"{rule}: {result.actions[rule]}{flag}")
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(f"Records falling due for disposal or review: {result.organisation}")
    axes.set_ylabel("records")
    axes.tick_params(axis="x", labelrotation=45)
    if result.rules():
        axes.legend(fontsize="small")
    else:
        axes.text(0.5, 0.5, "nothing falls due", ha="center", transform=axes.transAxes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(
        buffer, format=image_format, metadata={"Date": None} if image_format == "svg" else None
    )
    pyplot.close(figure)
    return buffer.getvalue()
