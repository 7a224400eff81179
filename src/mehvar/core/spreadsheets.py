"""Writing tables out as CSV (streamed) or XLSX, the same way for every export in Mehvar.

CSV is UTF-8 with a byte-order mark so that Excel shows Persian, written in pieces of about a thousand
rows; XLSX is written by openpyxl in write-only mode to a temporary file, right-to-left in an RTL language.
A cell that a spreadsheet would take for a formula (starting with =, +, -, @) gets an apostrophe first.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.utils import translation

FORMATS = ("csv", "xlsx")
CHUNK = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value: Any) -> str:
    """The text of a cell, never read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV file in pieces: a UTF-8 byte-order mark, the header, then about a thousand rows a piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def xlsx_file(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str) -> IO[bytes]:
    """The XLSX file written to a temporary file (deleted when closed), positioned at its start."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.sheet_view.rightToLeft = translation.get_language_bidi()
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes (and deletes) it
    workbook.save(handle)
    handle.seek(0)
    return handle
