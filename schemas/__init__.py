"""Avro schemas and the codec shared by the producer, the consumers and the tracker.

This package is the contract between the parts: an import record is written
here and read here, and nothing else knows the wire format.
"""

from schemas.codec import (
    IMPORT_RECORD,
    JOB_EVENT,
    AvroCodec,
    SchemaMismatchError,
)

__all__ = ["IMPORT_RECORD", "JOB_EVENT", "AvroCodec", "SchemaMismatchError"]
