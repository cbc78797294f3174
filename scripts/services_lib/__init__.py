"""Stdlib-only helpers behind ``scripts/services`` (local Kafka and FerretDB)."""
