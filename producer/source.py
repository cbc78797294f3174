"""Opening an import file: format, decryption, text encoding, then lines.

Whatever makes the whole file unusable (missing, undecryptable, an unknown
encoding, a bad CSV header) raises SourceError before the first line is
given out, so a job that fails this way has produced nothing.
"""

import codecs
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from producer.csv_reader import read_csv
from producer.decryption import DecryptionError, open_decrypted, verify_decryptable
from producer.errors import SourceError
from producer.jsonl import read_jsonl
from producer.lines import LineError, ParsedLine
from producer.options import FileFormat, SourceOptions

_SUFFIXES = {
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".json": FileFormat.JSONL,
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
}
_ENCRYPTED_MAGIC = b"Salted__"

_TEXT_PROBE_SIZE = 4096
_CONTROL_BYTES = frozenset(range(32)) - {0x09, 0x0A, 0x0D}

Lines = Iterator[ParsedLine | LineError]


def _looks_binary(start: bytes) -> bool:
    """Tell whether bytes hold control characters that no import file has."""
    return not _CONTROL_BYTES.isdisjoint(start)


def detect_format(path: Path, given: FileFormat | None) -> FileFormat:
    """Return the given format, else the one the file name tells (`.enc` aside)."""
    if given is not None:
        return given
    name = path.name.removesuffix(".enc")
    found = _SUFFIXES.get(Path(name).suffix.lower())
    if found is None:
        raise SourceError(
            f"cannot tell the format of {path.name} from its name: "
            "give --format jsonl or --format csv"
        )
    return found


def check_encoding(name: str) -> str:
    """Return the codec's canonical name; refuse unknown or non-ASCII-based ones."""
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise SourceError(f"unknown text encoding {name!r}") from None
    if '\n,;|\t"'.encode(codec.name, errors="replace") != b'\n,;|\t"':
        raise SourceError(
            f"encoding {name!r} is not supported: use utf-8, latin-1, cp1252 or "
            "another ASCII-compatible encoding"
        )
    return codec.name


class DecodedLines:
    """Decodes a binary stream line by line, marking lines with undecodable bytes.

    A bad byte spoils its line only: the line is decoded with replacement
    characters and `bad_since_checked` tells the reader to reject the line (or
    CSV record) it belongs to.
    """

    def __init__(self, binary: BinaryIO, encoding: str) -> None:
        self._binary = binary
        self._encoding = encoding
        self.bad_since_checked = False

    def __iter__(self) -> Iterator[str]:
        first = True
        for raw in self._binary:
            try:
                text = raw.decode(self._encoding)
            except UnicodeDecodeError:
                text = raw.decode(self._encoding, errors="replace")
                self.bad_since_checked = True
            if first:
                text, first = text.removeprefix("\ufeff"), False
            yield text

    def take_bad_flag(self) -> bool:
        """Tell whether a bad line was read since the last call."""
        bad, self.bad_since_checked = self.bad_since_checked, False
        return bad


def _open_binary(path: Path, options: SourceOptions) -> BinaryIO:
    try:
        if options.password is None:
            binary = path.open("rb")
            if binary.peek(8)[:8] == _ENCRYPTED_MAGIC:
                binary.close()
                raise SourceError(
                    f"{path.name} is encrypted: give --password-file or set "
                    "PROFILE_IMPORT_FILE_PASSWORD"
                )
            return binary
        password = options.password.get_secret_value()
        verify_decryptable(path, password, options.iterations)
        decrypted = open_decrypted(path, password, options.iterations)
        if _looks_binary(decrypted.peek(_TEXT_PROBE_SIZE)[:_TEXT_PROBE_SIZE]):
            decrypted.close()
            # Garbage from a wrong key that happened to end in valid padding.
            raise DecryptionError(path, f"cannot decrypt {path.name}: wrong password")
        return decrypted
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from error


def _checked(lines: Lines, decoded: DecodedLines, encoding: str) -> Lines:
    for item in lines:
        if decoded.take_bad_flag():
            yield LineError(
                item.number,
                f"holds bytes that are not valid {encoding} text; "
                "give the file's encoding with --encoding",
            )
        else:
            yield item


@contextmanager
def open_source(path: Path, options: SourceOptions) -> Iterator[Lines]:
    """Open an import file and give out its parsed lines, streaming."""
    file_format = detect_format(path, options.format)
    encoding = check_encoding(options.encoding)
    with _open_binary(path, options) as binary:
        decoded = DecodedLines(binary, encoding)
        if file_format is FileFormat.CSV:
            lines = read_csv(iter(decoded), delimiter=options.delimiter)
            # The header is checked now, before any line is given out.
            first = next(lines, None)
            items: Lines = _chain(first, lines)
        else:
            items = read_jsonl(decoded)
        yield _checked(items, decoded, encoding)


def _chain(first: ParsedLine | LineError | None, rest: Lines) -> Lines:
    if first is not None:
        yield first
        yield from rest
