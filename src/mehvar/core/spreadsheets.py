"""Reading and writing tables as CSV or XLSX, the same way for every import and export in Mehvar.

Writing: CSV is UTF-8 with a byte-order mark so that Excel shows Persian, written in pieces of about a
thousand rows; XLSX is written by openpyxl in write-only mode to a temporary file, right-to-left in an RTL
language. A cell that a spreadsheet would take for a formula (starting with =, +, -, @) gets an apostrophe
first.

Reading (the Customer 360 import and the survey-response and review upload pages): an uploaded file is saved
with a size cap (:func:`upload_save`); CSV may be UTF-8 (with or without a byte-order mark) or Windows-1256
(what Excel writes for Persian on older Windows), with a comma, semicolon or tab between cells; an image or
another binary file is refused by its first bytes. XLSX is read with openpyxl in read-only mode; formulas
are never evaluated but come back as :class:`Formula`, for the caller to refuse. Every problem with the file
itself is a ``ValidationError({"file": message})`` in the active language.
"""

import codecs
import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

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


# --- Reading ----------------------------------------------------------------------------------------------

SNIFF_BYTES = 64 * 1024
UPLOAD_FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",  # old .xls and other OLE files
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"MZ",
)


class Formula:
    """A spreadsheet cell holding a formula: never evaluated, always reported."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def file_error(message: str, code: str = "invalid") -> ValidationError:
    """A problem with the file as a whole, on the form's ``file`` field."""
    return ValidationError({"file": message}, code=code)


def too_many_rows(max_rows: int) -> ValidationError:
    return file_error(
        _("The file has more than %(max)s rows. Split it into files of at most %(max)s rows each.")
        % {"max": f"{max_rows:,}"},
        "too_many_rows",
    )


def upload_format(name: str) -> str:
    """The file's format by its extension ("csv" or "xlsx"); a file error for any other."""
    file_format = UPLOAD_FORMATS.get(Path(name).suffix.lower())
    if file_format is None:
        raise file_error(_("Upload a CSV or XLSX (Excel) file."), "format")
    return file_format


def upload_save(uploaded_file: Any, path: Path, *, file_format: str, max_bytes: int) -> None:
    """Copy an uploaded file to ``path`` in chunks, refusing one over ``max_bytes`` (by its stated size
    first, then by what arrives) and an XLSX that is not a zip; ``path`` is removed on any failure."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes:
        raise file_error(
            _("The file is too big (%(size)s MB). The largest file accepted is %(max)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": max_bytes // 1024 // 1024},
            "too_big",
        )
    written = 0
    try:
        with path.open("wb") as out:
            chunks = uploaded_file.chunks() if hasattr(uploaded_file, "chunks") else [uploaded_file.read()]
            for chunk in chunks:
                written += len(chunk)
                if written > max_bytes:
                    raise file_error(
                        _("The file is too big. The largest file accepted is %(max)s MB.")
                        % {"max": max_bytes // 1024 // 1024},
                        "too_big",
                    )
                out.write(chunk)
        if file_format == "xlsx":
            with path.open("rb") as raw:
                if raw.read(4) != b"PK\x03\x04":
                    raise file_error(_("This file is not a readable XLSX spreadsheet."), "not_xlsx")
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _check_not_binary(sample: bytes) -> None:
    if sample.startswith(_BINARY_SIGNATURES) or b"\x00" in sample:
        raise file_error(
            _("This file is not a CSV text file (it looks like an image or another binary file)."),
            "not_csv",
        )


def _detect_encoding(path: Path, sample: bytes) -> str:
    """utf-8-sig with a byte-order mark; utf-8 when the whole file decodes as UTF-8; else Windows-1256."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1256"
    return "utf-8"


def _check_text(text: str) -> None:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    if controls > max(2, len(text) // 100):
        raise file_error(_("This file is not a CSV text file: it holds unreadable characters."), "not_csv")


def csv_rows(path: Path) -> Iterator[list[str]]:
    """Every row of a CSV file, its encoding and separator detected. The first checks (binary, unreadable
    text) run at once, before the first row is asked for."""
    with path.open("rb") as raw:
        sample = raw.read(SNIFF_BYTES)
    _check_not_binary(sample)
    encoding = _detect_encoding(path, sample)
    text_sample = sample.decode(encoding, errors="ignore")
    _check_text(text_sample)
    try:
        delimiter = csv.Sniffer().sniff(text_sample[:8192], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","

    def rows() -> Iterator[list[str]]:
        with path.open(encoding=encoding, newline="") as handle:
            try:
                yield from csv.reader(handle, delimiter=delimiter)
            except UnicodeDecodeError as error:
                raise file_error(
                    _("The file mixes text encodings: save it again as UTF-8 CSV."), "encoding"
                ) from error
            except csv.Error as error:
                raise file_error(_("The file is not a well-formed CSV file."), "not_csv") from error

    return rows()


def _cell_value(cell: Any) -> Any:
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(cell.value))
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith("="):
        return Formula(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_rows(path: Path, *, max_rows: int) -> Iterator[list[Any]]:
    """Every row of the first sheet as strings (dates as ISO text) or :class:`Formula`; a sheet whose
    stated size is over ``max_rows`` data rows is refused before reading it."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception as error:  # openpyxl raises many kinds (BadZipFile, KeyError, XML errors…)
        raise file_error(_("This file is not a readable XLSX spreadsheet."), "not_xlsx") from error
    try:
        # The sheet's own dimension, when it states one, refuses a huge sheet without reading it.
        if (sheet.max_row or 0) > max_rows + 1:
            raise too_many_rows(max_rows)
        # A dimension may also understate the rows: read them all (the caller counts and stops).
        sheet.reset_dimensions()
        rows = sheet.iter_rows()
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception as error:  # a sheet damaged past its first bytes
                raise file_error(_("This file is not a readable XLSX spreadsheet."), "not_xlsx") from error
            yield [_cell_value(cell) for cell in row]
    finally:
        workbook.close()


def file_rows(path: Path, file_format: str, *, max_rows: int) -> Iterator[list[Any]]:
    """Every row of the file (the header row first), as lists of strings or :class:`Formula`."""
    if file_format == "xlsx":
        return xlsx_rows(path, max_rows=max_rows)
    return csv_rows(path)


def is_blank(row: Sequence[Any]) -> bool:
    return all(not (str(cell).strip()) for cell in row)


def numbered_rows(
    path: Path, file_format: str, *, max_rows: int
) -> tuple[list[Any] | None, Iterator[tuple[int, list[Any]]]]:
    """The header row (the first non-blank one) and then (row number as the spreadsheet shows it, cells) for
    every non-blank row after it. The caller counts the data rows against ``max_rows``."""
    rows = enumerate(file_rows(path, file_format, max_rows=max_rows), start=1)
    header = None
    for _number, row in rows:
        if not is_blank(row):
            header = row
            break

    def data() -> Iterator[tuple[int, list[Any]]]:
        for number, row in rows:
            if not is_blank(row):
                yield number, row

    return header, data()
