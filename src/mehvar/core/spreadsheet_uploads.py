"""Uploading a spreadsheet with fixed columns into a bulk import service: the pages that import historic
survey responses and customer reviews.

:func:`sheet_upload` reads the file (``core.spreadsheets``: CSV or XLSX, at most :data:`MAX_FILE_BYTES`),
checks its first row against the target's columns (a missing required column and an unknown one are named),
turns every data row into an item shaped as the API takes it, and hands the items to the target's service
in chunks of :data:`CHUNK` inside one transaction: the whole file is stored, or nothing. The service's
``items.N.field`` errors are put back on the spreadsheet's row (the header is row 1, as the spreadsheet
numbers it) and column, and every problem of every row is returned together.

A target (:class:`SheetTarget`) says which columns it reads, how a row becomes an item, which item paths
come from which column, and how to apply (or only check) a chunk. Once one problem is known, the remaining
chunks are only checked: nothing more is written just to be rolled back.
"""

import dataclasses
import itertools
import tempfile
from collections.abc import Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mehvar.core import spreadsheets
from mehvar.core.text import normalize_text, to_ascii_digits

MAX_FILE_BYTES = 20 * 1024 * 1024  # as the customers import
MAX_ROWS = 20_000
CHUNK = 1000  # what the bulk services take at once
PROBLEMS_SHOWN = 1000  # listed one by one on the page; the rows of any further ones are named after them


@dataclasses.dataclass(frozen=True, order=True)
class RowProblem:
    row: int  # as the spreadsheet numbers it (the header is row 1)
    column: str  # "" when the whole row is meant
    message: str


@dataclasses.dataclass(frozen=True)
class ColumnGuide:
    """One column as the upload page documents it."""

    name: str
    required: bool
    meaning: str
    example: str
    hint: str = ""  # what the cell holds, when the meaning does not say it (a question's type)
    choices: Sequence[tuple[str, str]] = ()  # (key, label) of a choice question


@dataclasses.dataclass
class SheetRow:
    number: int
    item: dict[str, Any]
    # Where each part of the item came from: item path prefix ("identities.0", "answers.2") → column.
    columns: dict[str, str]


@dataclasses.dataclass
class UploadOutcome:
    rows: int
    created: int = 0
    existing: int = 0
    problems: list[RowProblem] = dataclasses.field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})

    @property
    def shown_problems(self) -> list[RowProblem]:
        return self.problems[:PROBLEMS_SHOWN]

    @property
    def rows_not_shown(self) -> list[int]:
        """The rows whose problems are beyond the ones listed (each row is still named)."""
        shown = {problem.row for problem in self.shown_problems}
        return sorted({problem.row for problem in self.problems[PROBLEMS_SHOWN:]} - shown)


class SheetTarget(Protocol):
    """What a page imports into."""

    columns: Sequence[str]  # every column read, in the template's order (lowercase)
    required: Sequence[str]  # the columns the first row must have
    key_column: str  # the column a duplicate key is reported on

    def header_problems(self, headers: Sequence[str]) -> list[str]:
        """Further problems with the first row (beyond missing and unknown columns)."""
        ...

    def row_item(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """The item for one row (column → text, blank cells left out) and its path → column map."""
        ...

    def key(self, item: Mapping[str, Any]) -> Hashable | None:
        """What makes an item unique in the file (None: nothing to compare)."""
        ...

    def duplicate_message(self, first: int, second: int) -> str: ...

    def apply(self, items: list[dict[str, Any]]) -> tuple[int, int]:
        """Store a chunk through the service: (created, existing); ValidationError as the API gives it."""
        ...

    def check(self, items: list[dict[str, Any]]) -> None:
        """Only check a chunk, writing nothing: the same ValidationError."""
        ...


class _RollBack(Exception):
    pass


def header_key(value: Any) -> str:
    """A header cell as a column name: trimmed, normalised, ASCII digits, lowercase."""
    return to_ascii_digits(normalize_text(str(value))).strip().lower()


def sheet_upload(*, uploaded_file: Any, target: SheetTarget) -> UploadOutcome:
    """Read the uploaded file and store its rows through ``target``, all or nothing.

    A problem with the file itself (format, size, encoding, header row, too many rows) raises
    ``ValidationError({"file": [messages]})``; problems with rows come back in ``UploadOutcome.problems``
    (nothing stored then)."""
    name = Path(str(getattr(uploaded_file, "name", "") or "")).name
    file_format = spreadsheets.upload_format(name)
    with tempfile.TemporaryDirectory(prefix="mehvar-upload-") as folder:
        path = Path(folder) / f"upload.{file_format}"
        spreadsheets.upload_save(uploaded_file, path, file_format=file_format, max_bytes=MAX_FILE_BYTES)
        rows, problems, count = _read(path, file_format, target)
    outcome = UploadOutcome(rows=count, problems=problems)
    _apply(rows, target, outcome)
    outcome.problems.sort()
    return outcome


def _columns_of(header: list[Any], target: SheetTarget) -> list[str]:
    """The column names of the first row, or a file error naming every problem with it."""
    if any(isinstance(cell, spreadsheets.Formula) for cell in header):
        raise spreadsheets.file_error(
            _("The header row holds a formula: type the column names themselves."), "formula"
        )
    names = [header_key(cell) for cell in header]
    while names and not names[-1]:
        names.pop()  # trailing empty header cells
    known = set(target.columns)
    messages: list[str] = []
    unnamed = [str(n) for n, name in enumerate(names, start=1) if not name]
    if unnamed:
        messages.append(
            ngettext(
                "Column %(columns)s has no name in the first row.",
                "Columns %(columns)s have no name in the first row.",
                len(unnamed),
            )
            % {"columns": ", ".join(unnamed)}
        )
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        messages.append(
            _("These columns appear more than once in the first row: %(columns)s.")
            % {"columns": ", ".join(twice)}
        )
    missing = [name for name in target.required if name not in names]
    if missing:
        messages.append(
            ngettext(
                "The first row lacks a required column: %(columns)s.",
                "The first row lacks required columns: %(columns)s.",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )
    unknown = list(dict.fromkeys(name for name in names if name and name not in known))
    if unknown:
        messages.append(
            ngettext(
                "The first row names a column this page does not read: %(columns)s.",
                "The first row names columns this page does not read: %(columns)s.",
                len(unknown),
            )
            % {"columns": ", ".join(unknown)}
        )
    messages += target.header_problems(names)
    if messages:
        raise ValidationError({"file": messages}, code="header")
    return names


def _read(path: Path, file_format: str, target: SheetTarget) -> tuple[list[SheetRow], list[RowProblem], int]:
    """The good rows as items, the problems found while reading, and how many data rows there are."""
    header, data = spreadsheets.numbered_rows(path, file_format, max_rows=MAX_ROWS)
    if header is None:
        raise spreadsheets.file_error(_("The file is empty: the first row should name the columns."), "empty")
    names = _columns_of(header, target)
    rows: list[SheetRow] = []
    problems: list[RowProblem] = []
    seen: dict[Hashable, int] = {}
    count = 0
    for number, cells in data:
        count += 1
        if count > MAX_ROWS:
            raise spreadsheets.too_many_rows(MAX_ROWS)
        before = len(problems)
        extra = cells[len(names) :]
        if not spreadsheets.is_blank(extra):
            problems.append(
                RowProblem(
                    number,
                    "",
                    _("This row has %(cells)d cells, but the first row names only %(columns)d columns.")
                    % {"cells": len(names) + _filled_length(extra), "columns": len(names)},
                )
            )
        texts: dict[str, str] = {}
        for name, cell in zip(names, cells, strict=False):
            if isinstance(cell, spreadsheets.Formula):
                problems.append(
                    RowProblem(number, name, _("Formulas are not accepted: type the value itself."))
                )
            elif (text := str(cell).strip()) != "":
                texts[name] = text
        item, columns = target.row_item(texts)
        key = target.key(item)
        if key is not None:
            first = seen.setdefault(key, number)
            if first != number:
                problems.append(
                    RowProblem(number, target.key_column, target.duplicate_message(first, number))
                )
        if len(problems) == before:
            rows.append(SheetRow(number=number, item=item, columns=columns))
    if count == 0:
        raise spreadsheets.file_error(_("The file has column names but no rows."), "no_rows")
    return rows, problems, count


def _filled_length(cells: list[Any]) -> int:
    """How many of these cells count: up to the last one that is not blank."""
    return max((n + 1 for n, cell in enumerate(cells) if str(cell).strip()), default=0)


def _chunks(rows: list[SheetRow]) -> Iterator[list[SheetRow]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def _apply(rows: list[SheetRow], target: SheetTarget, outcome: UploadOutcome) -> None:
    """Every chunk through the service in one transaction; once a problem is known, chunks are only
    checked, and everything is rolled back at the end."""
    try:
        with transaction.atomic():
            for chunk in _chunks(rows):
                items = [row.item for row in chunk]
                try:
                    if outcome.problems:
                        target.check(items)
                    else:
                        created, existing = target.apply(items)
                        outcome.created += created
                        outcome.existing += existing
                except ValidationError as error:
                    outcome.problems += problems_of(error, chunk)
            if outcome.problems:
                raise _RollBack
    except _RollBack:
        outcome.created = outcome.existing = 0


def problems_of(error: ValidationError, chunk: Sequence[SheetRow]) -> list[RowProblem]:
    """A service's ``items.N.field`` errors as (spreadsheet row, column, message)."""
    by_path: dict[str, list[str]] = (
        error.message_dict if hasattr(error, "error_dict") else {"": list(error.messages)}
    )
    problems = []
    for path, messages in by_path.items():
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(chunk):
            row = chunk[int(parts[1])]
            number, column = row.number, _column_of(parts[2:], row.columns)
        else:  # about the whole chunk: the service refused it as it came (not expected from a page)
            number, column = (chunk[0].number if chunk else 0), ""
        problems += [RowProblem(number, column, message) for message in messages]
    return problems


def _column_of(parts: list[str], columns: Mapping[str, str]) -> str:
    """The column an item path came from: the longest known prefix, else the path's first part."""
    for length in range(len(parts), 0, -1):
        column = columns.get(".".join(parts[:length]))
        if column is not None:
            return column
    return parts[0] if parts else ""


# --- For the pages ----------------------------------------------------------------------------------------


def upload_form(data: Any = None, files: Any = None) -> Any:
    """The upload form, its help text stating this module's limits."""
    from mehvar.core.forms import SpreadsheetUploadForm

    return SpreadsheetUploadForm(data, files, max_rows=MAX_ROWS, max_megabytes=MAX_FILE_BYTES // 1024 // 1024)


def upload_from_form(form: Any, target: SheetTarget) -> UploadOutcome | None:
    """Store the form's file through ``target``: the outcome, or None with the form's errors set (no file,
    or a file refused as a whole)."""
    if not form.is_valid():
        return None
    try:
        return sheet_upload(uploaded_file=form.cleaned_data["file"], target=target)
    except ValidationError as error:
        by_field = error.message_dict if hasattr(error, "error_dict") else {}
        form.add_error("file", by_field.get("file", error.messages))
        return None


def upload_page(request: Any, target: SheetTarget, template: str, context: Mapping[str, Any]) -> Any:
    """An upload page: the form on GET; on POST the file stored through ``target`` and the outcome shown,
    answered 422 when nothing was stored (a refused file or rows with problems)."""
    form = upload_form(request.POST or None, request.FILES or None)
    outcome = upload_from_form(form, target) if request.method == "POST" else None
    failed = request.method == "POST" and (outcome is None or bool(outcome.problems))
    return render(
        request, template, {**context, "form": form, "outcome": outcome}, status=422 if failed else 200
    )


def template_csv(columns: Sequence[str]) -> bytes:
    """The template to fill in: the header row only, UTF-8 with a byte-order mark so Excel shows Persian."""
    return b"".join(spreadsheets.csv_chunks(columns, []))
