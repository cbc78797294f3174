"""Avro single-object encoding of import records and job events.

Each message is the two marker bytes ``C3 01``, the 8-byte little-endian
CRC-64-AVRO fingerprint of the writer's schema in canonical form, then the Avro
binary body (the Avro specification's "single object encoding"). A reader
compares the fingerprint with its own schema and refuses a message it was not
built to read instead of decoding garbage.
"""

import io
import json
from importlib import resources
from typing import Any

import fastavro
from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

_MARKER = b"\xc3\x01"
_HEADER_SIZE = len(_MARKER) + 8


class SchemaMismatchError(ValueError):
    """A message that was not written with the schema this reader knows."""


class AvroCodec:
    """Encodes and decodes one schema's messages."""

    def __init__(self, schema_file: str) -> None:
        text = resources.files("schemas").joinpath(schema_file).read_text("utf-8")
        self.schema_file = schema_file
        self.schema = parse_schema(json.loads(text))
        canonical = to_parsing_canonical_form(self.schema)
        digest = fingerprint(canonical, "CRC-64-AVRO")
        self.fingerprint = bytes.fromhex(digest)
        self._header = _MARKER + self.fingerprint

    def encode(self, message: dict[str, Any]) -> bytes:
        """Return the message in single-object encoding."""
        buffer = io.BytesIO()
        buffer.write(self._header)
        fastavro.schemaless_writer(buffer, self.schema, message)
        return buffer.getvalue()

    def decode(self, data: bytes) -> dict[str, Any]:
        """Return the message, or raise SchemaMismatchError for a foreign one."""
        header = data[:_HEADER_SIZE]
        if header[:2] != _MARKER:
            raise SchemaMismatchError(f"not an Avro single-object {self.schema_file}")
        if header != self._header:
            raise SchemaMismatchError(
                f"schema fingerprint {header[2:].hex()} is not the known "
                f"{self.schema_file} fingerprint {self.fingerprint.hex()}"
            )
        message = fastavro.schemaless_reader(
            io.BytesIO(data[_HEADER_SIZE:]), self.schema, None
        )
        if not isinstance(message, dict):
            raise SchemaMismatchError(f"{self.schema_file} body is not a record")
        return message


IMPORT_RECORD = AvroCodec("import_record.avsc")
JOB_EVENT = AvroCodec("job_event.avsc")
