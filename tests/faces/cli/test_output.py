"""How commands speak: text is printed as written, never taken for Rich markup (#16)."""

from __future__ import annotations

import pytest
from rich.table import Table

from hippocratic.errors import InputError
from hippocratic.faces.cli.output import console, report_error


def test_plain_text_and_table_cells_keep_their_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    console.print("a note about [bold]x[/] and [red]")
    table = Table("value")
    table.add_row("[b]patient's own words[/b]")
    console.print(table)
    out = capsys.readouterr().out
    assert "a note about [bold]x[/] and [red]" in out
    assert "[b]patient's own words[/b]" in out


def test_an_error_keeps_brackets_in_message_field_and_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report_error(
        InputError("columns [age] and [bold]", field="[where]", hint="fix [this]"), as_json=False
    )
    err = capsys.readouterr().err
    assert "error input.invalid: columns [age] and [bold]" in err
    assert "where: [where]" in err
    assert "fix:   fix [this]" in err
