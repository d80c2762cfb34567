"""Spreadsheet formula injection: the one rule every spreadsheet-bound cell goes through.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)`` can leak
data or run commands). Following OWASP's advice, such a cell is prefixed with a single
quote ``'``, which spreadsheets show as text and do not evaluate. Readers who need the
exact text back drop one leading ``'`` from cells whose next character is one of these.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(cell: str) -> str:
    """The cell as a spreadsheet will show it, never as a formula."""
    if cell and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell
