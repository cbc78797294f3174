"""Reading CSV import files whose header names flattened profile paths.

A column such as `addresses.0.custom_fields.x` is resolved once, at the header,
against the profile model: its place in the nested line, how its text becomes a
value, and whether `__null__` may delete it. Each line then only walks its cells.
"""

import csv
import math
import re
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from producer.errors import SourceError
from producer.lines import LineError, ParsedLine
from profiles.model import ProfileLine

NULL = "__null__"
DELIMITERS = (",", ";", "\t", "|")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_SCALARS = frozenset({bool, int, float, str})

Converter = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class _Column:
    """One header column, resolved once for the whole file."""

    name: str
    parents: tuple[str | int, ...]
    leaf: str | int
    convert: Converter | None  # None keeps the text as it is
    null_error: str | None  # why `__null__` is refused here, None if it deletes
    list_path: tuple[str, ...] | None  # the list this column's item is in
    covers: tuple[int, ...] = ()  # columns under this one, set on the same line


def _to_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError("expected true or false")


def _to_int(text: str) -> int:
    # int() alone would also take "1_000" and non-ASCII digits.
    if not _INTEGER.fullmatch(text):
        raise ValueError("expected an integer")
    return int(text)


def _infer_scalar(text: str) -> bool | int | float | str:
    """Read a free custom field: boolean, integer, finite number, else text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _INTEGER.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return number
    return text


def _refuse_value(text: str) -> Any:
    raise ValueError(
        "this column names a whole list or object: it takes only __null__ "
        "(to delete it); name its fields to set them"
    )


def _unwrap(annotation: Any) -> Any:
    """Strip `Annotated` and `| None` from a model annotation."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) > 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _converter_for(annotation: Any) -> Converter | None:
    """Choose how cell text becomes a value of the declared type."""
    origin = get_origin(annotation)
    if annotation is bool:
        return _to_bool
    if annotation is int:
        return _to_int
    if annotation is str or origin is Literal:
        return None
    if origin in (Union, types.UnionType) and set(get_args(annotation)) <= _SCALARS:
        return _infer_scalar
    return _refuse_value


class _UnknownColumnError(Exception):
    """The column names no field of the profile model."""


def _malformed(name: str, why: str) -> SourceError:
    return SourceError(f"malformed column {name!r} in the header (line 1): {why}")


def _is_index(segment: str) -> bool:
    return segment.isascii() and segment.isdigit()


def _step(name: str, kind: Any, segment: str, done: str) -> tuple[Any, str | int]:
    """Follow one path segment from the type `kind`; give the next type and key."""
    origin = get_origin(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        if segment not in kind.model_fields:
            raise _UnknownColumnError
        return kind.model_fields[segment].annotation, segment
    if origin is list:
        if not _is_index(segment):
            why = f"{done} is a list: give an item index, as in {done}.0.{segment}"
            raise _malformed(name, why)
        return get_args(kind)[0], int(segment)
    if origin is dict:
        return get_args(kind)[1], segment
    if _is_index(segment):
        raise _malformed(name, f"{done} is not a list")
    raise _UnknownColumnError


def _resolve(name: str) -> _Column:
    """Resolve a header name to its place, converter and deletion rule."""
    if not name:
        raise _malformed(name, "the column has no name")
    segments = name.split(".")
    if "" in segments:
        raise _malformed(name, "empty path segment")
    kind: Any = ProfileLine
    path: list[str | int] = []
    for position, segment in enumerate(segments):
        done = ".".join(segments[:position])
        kind, key = _step(name, _unwrap(kind), segment, done)
        path.append(key)
    convert = _converter_for(_unwrap(kind))
    index = next((i for i, key in enumerate(path) if isinstance(key, int)), None)
    if index is None:
        return _Column(name, tuple(path[:-1]), path[-1], convert, None, None)
    if convert is _refuse_value:
        raise _malformed(name, "it names no single field of a list item")
    null_error = _list_null_error(segments[0])
    list_path = tuple(segments[:index])
    return _Column(name, tuple(path[:-1]), path[-1], convert, null_error, list_path)


def _list_null_error(root: str) -> str:
    how = f"give the {root} column __null__ to delete all {root}"
    if root == "addresses":
        how += ", or remove one address with its id and to_delete true"
    return f"a field inside a list item cannot be deleted: {how}"


def _covered(columns: list[_Column], index: int) -> tuple[int, ...]:
    """Columns that sit under column `index`, such as its object's fields."""
    prefix = (*columns[index].parents, columns[index].leaf)
    return tuple(
        other
        for other, column in enumerate(columns)
        if (*column.parents, column.leaf)[: len(prefix)] == prefix and other != index
    )


def _resolve_header(names: list[str]) -> list[_Column]:
    """Resolve every header name, or raise the file's SourceError."""
    if not any(names):
        raise SourceError("the header (line 1) is empty")
    names = [names[0].removeprefix("\ufeff"), *names[1:]]
    names = [name.strip() for name in names]
    columns: list[_Column] = []
    unknown: list[str] = []
    for name in names:
        try:
            columns.append(_resolve(name))
        except _UnknownColumnError:
            unknown.append(name)
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise SourceError(f"unknown column{plural} {listed} in the header (line 1)")
    _check_duplicates(columns)
    return [replace(c, covers=_covered(columns, i)) for i, c in enumerate(columns)]


def _check_duplicates(columns: list[_Column]) -> None:
    seen: set[tuple[str | int, ...]] = set()
    for column in columns:
        path = (*column.parents, column.leaf)
        if path in seen:
            raise SourceError(
                f"duplicate column {column.name!r} in the header (line 1)"
            )
        seen.add(path)


def _detect_delimiter(line: str) -> str:
    """Pick the accepted delimiter that splits the header into the most fields."""
    # max() keeps the first of equals, so a tie goes to the comma.
    return max(DELIMITERS, key=lambda d: len(next(csv.reader([line], delimiter=d))))


def _finish_lists(fields: dict[Any, Any], path: tuple[str, ...]) -> None:
    """Turn the index-keyed dict of items at `path` into a list, in index order."""
    # TODO: a list inside a list item stays an index-keyed dict; matters if the
    # profile model ever nests one list in another.
    target = fields
    for key in path[:-1]:
        if key not in target:
            return
        target = target[key]
    items = target.get(path[-1])
    if items is not None:
        target[path[-1]] = [items[index] for index in sorted(items)]


class _LineParser:
    """Turns the cells of one record into a ParsedLine, for one header."""

    def __init__(self, columns: list[_Column]) -> None:
        self.columns = columns
        self.width = len(columns)
        # Tuples unpack faster than attribute lookups in the per-cell loop.
        self._specs = [(c, c.parents, c.leaf, c.convert) for c in columns]
        paths = {column.list_path for column in columns}
        self.list_paths = sorted(path for path in paths if path is not None)

    def parse(self, number: int, row: list[str]) -> ParsedLine | LineError | None:
        """Parse a record's cells; None for a blank record."""
        if len(row) > self.width:
            if not any(row):
                return None
            return LineError(number, f"{len(row)} cells, the header has {self.width}")
        fields: dict[Any, Any] = {}
        deleted: list[_Column] = []
        column = self.columns[0]
        try:
            specs = zip(self._specs, row, strict=False)  # missing cells are empty
            for (column, parents, leaf, convert), cell in specs:
                if not cell:
                    continue
                if cell == NULL:
                    if column.null_error is not None:
                        return LineError(number, column.null_error, column.name)
                    deleted.append(column)
                    continue
                if convert is not None:
                    cell = convert(cell)
                target = fields
                for key in parents:
                    nested = target.get(key)
                    if nested is None:
                        nested = target[key] = {}
                    target = nested
                target[leaf] = cell
        except ValueError as error:
            return LineError(number, str(error), column.name)
        return self._complete(number, row, fields, deleted)

    def _complete(
        self,
        number: int,
        row: list[str],
        fields: dict[Any, Any],
        deleted: list[_Column],
    ) -> ParsedLine | LineError | None:
        if not fields and not deleted:
            return None
        # Deletions are applied after the values, so they would undo this one.
        for column in deleted:
            for index in column.covers:
                if index < len(row) and row[index] not in ("", NULL):
                    other = self.columns[index].name
                    reason = f"deleted with __null__ while {other} is set"
                    return LineError(number, reason, column.name)
        for path in self.list_paths:
            _finish_lists(fields, path)
        # A deletable column has no list index, so its name is its dotted path.
        return ParsedLine(number, fields, tuple(c.name for c in deleted))


def _read_header(reader: Iterator[list[str]]) -> list[_Column]:
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise SourceError(f"the header (line 1) cannot be read: {error}") from error
    if header is None:
        raise SourceError("the file is empty: it has no header line")
    return _resolve_header(header)


def read_csv(
    text: Iterable[str], *, delimiter: str | None = None
) -> Iterator[ParsedLine | LineError]:
    """Yield the parsed records of CSV text lines; the header is line 1.

    `text` is a text stream opened with `newline=""`, or any iterable of lines
    that keep their line ends. A record is numbered by the physical line it
    starts on. The header is checked before the first record is yielded; a bad
    header raises SourceError. An explicit delimiter outside `,;\\t|` raises
    ValueError at once, not at the first record.
    """
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ValueError(f"unsupported CSV delimiter {delimiter!r}")
    return _read_records(text, delimiter)


def _read_records(
    text: Iterable[str], delimiter: str | None
) -> Iterator[ParsedLine | LineError]:
    lines = iter(text)
    if delimiter is None:
        first = next(lines, "")
        if not first:
            raise SourceError("the file is empty: it has no header line")
        delimiter = _detect_delimiter(first.removeprefix("\ufeff"))
        lines = chain((first,), lines)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    parser = _LineParser(_read_header(reader))
    read = reader.line_num
    while True:
        # A malformed record fails alone; the reader goes on at the next line.
        try:
            for row in reader:
                parsed = parser.parse(read + 1, row)
                read = reader.line_num
                if parsed is not None:
                    yield parsed
            return
        except csv.Error as error:
            yield LineError(read + 1, f"not valid CSV: {error}")
            read = reader.line_num
