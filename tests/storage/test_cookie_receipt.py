"""The cookie receipt table: anonymous rows keyed on the organisation, deleted past retention by
one statement inside the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, inspect

from hippocratic.services.store import Store
from hippocratic.storage import cookie_receipt
from hippocratic.storage.cookie_receipt import CookieReceiptRow

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def _row(organisation: str, receipt: str, at: datetime) -> CookieReceiptRow:
    return CookieReceiptRow(
        organisation_id=organisation,
        receipt_id=receipt,
        visitor_id="0" * 32,
        action="reject_all",
        categories="",
        banner_version="1",
        banner_sha256="a" * 64,
        notice_version="1",
        gpc=False,
        recorded_at=at,
    )


def test_a_receipt_has_no_column_for_personal_data(store: Store) -> None:
    """No IP address, user agent, page address or anything else about the visitor."""
    columns = {c["name"] for c in inspect(store.engine).get_columns("cookie_receipt")}
    assert columns == {
        "organisation_id", "receipt_id", "visitor_id", "action", "categories",
        "banner_version", "banner_sha256", "notice_version", "gpc", "recorded_at",
    }  # fmt: skip
    pk = inspect(store.engine).get_pk_constraint("cookie_receipt")["constrained_columns"]
    assert pk == ["organisation_id", "receipt_id"]


def test_expired_receipts_go_in_one_statement_and_only_the_organisations_own(
    store: Store,
) -> None:
    with store.sessions.begin() as session:
        for n in range(5):
            cookie_receipt.add_receipt(session, _row("harmonic", f"h{n}", T0 + timedelta(days=n)))
            cookie_receipt.add_receipt(session, _row("harmony", f"y{n}", T0 + timedelta(days=n)))
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        with store.sessions.begin() as session:
            deleted = cookie_receipt.delete_expired(session, "harmonic", T0 + timedelta(days=3))
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert deleted == 3
    assert [s for s in statements if s.lstrip().upper().startswith("DELETE")] == [
        next(s for s in statements if "DELETE" in s.upper())
    ]
    assert not any(s.lstrip().upper().startswith("SELECT") for s in statements)
    with store.sessions() as session:
        assert cookie_receipt.count_receipts(session, "harmonic") == 2
        assert cookie_receipt.count_receipts(session, "harmony") == 5
        kept = cookie_receipt.receipts_of(session, "harmonic", "0" * 32)
    assert [r.receipt_id for r in kept] == ["h3", "h4"]
    assert kept[0].recorded_at == T0 + timedelta(days=3)
