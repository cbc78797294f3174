"""Readiness probe for Kafka: ApiVersions v0, then a real Metadata request.

Hand-written Kafka protocol (non-flexible versions only): request header v1,
response header v0, big-endian integers, int16-length strings, int32 arrays.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from services_lib.wire import ProtocolError, Reader, recv_exact

API_METADATA = 3
API_VERSIONS = 18
CLIENT_ID = b"scripts-services"
# Metadata v1..v8 share the fields we read and are not "flexible" (v9+ are).
METADATA_MAX = 8


@dataclass(frozen=True)
class Broker:
    """One entry of a Metadata response's broker list."""

    node_id: int
    host: str
    port: int


def _request(api_key: int, version: int, correlation: int, body: bytes) -> bytes:
    """Frame a request: size, header v1 (key, version, id, client id), body."""
    header = struct.pack(">hhih", api_key, version, correlation, len(CLIENT_ID))
    payload = header + CLIENT_ID + body
    return struct.pack(">i", len(payload)) + payload


def _exchange(sock: socket.socket, correlation: int, request: bytes) -> Reader:
    """Send one request and return a reader positioned after the header."""
    sock.sendall(request)
    (size,) = struct.unpack(">i", recv_exact(sock, 4))
    reader = Reader(recv_exact(sock, size))
    if reader.unpack(">i") != correlation:
        raise ProtocolError("correlation id mismatch")
    return reader


def _string(reader: Reader, nullable: bool = False) -> str | None:
    """Decode an int16-length string (length -1 means null)."""
    size = reader.unpack(">h")
    if size < 0:
        if not nullable:
            raise ProtocolError("unexpected null string")
        return None
    return reader.take(size).decode()


def _api_versions(sock: socket.socket) -> dict[int, tuple[int, int]]:
    """ApiVersions v0: map api key -> (min version, max version)."""
    reader = _exchange(sock, 1, _request(API_VERSIONS, 0, 1, b""))
    error = reader.unpack(">h")
    if error != 0:
        raise ProtocolError(f"ApiVersions error code {error}")
    versions: dict[int, tuple[int, int]] = {}
    for _ in range(reader.unpack(">i")):
        key, low, high = (reader.unpack(">h") for _ in range(3))
        versions[key] = (low, high)
    return versions


def _metadata_body(version: int) -> bytes:
    """Metadata request body asking for no topics."""
    body = struct.pack(">i", 0)  # empty topic list (null would mean "all")
    if version >= 4:
        body += b"\x00"  # allow_auto_topic_creation
    if version >= 8:
        body += b"\x00\x00"  # include cluster/topic authorized operations
    return body


def _parse_brokers(reader: Reader, version: int) -> list[Broker]:
    """Decode the start of a Metadata v1..v8 response up to the broker list."""
    if version >= 3:
        reader.unpack(">i")  # throttle_time_ms
    brokers: list[Broker] = []
    for _ in range(reader.unpack(">i")):
        node_id = reader.unpack(">i")
        host = _string(reader) or ""
        port = reader.unpack(">i")
        _string(reader, nullable=True)  # rack
        brokers.append(Broker(node_id, host, port))
    return brokers


def metadata_brokers(host: str, port: int, timeout: float = 3.0) -> list[Broker]:
    """Ask the broker for cluster metadata and return its broker list."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        low, high = _api_versions(sock).get(API_METADATA, (0, -1))
        version = min(high, METADATA_MAX)
        if version < max(low, 1):
            raise ProtocolError(f"no usable Metadata version in {low}..{high}")
        request = _request(API_METADATA, version, 2, _metadata_body(version))
        return _parse_brokers(_exchange(sock, 2, request), version)


def kafka_ready(host: str, port: int, node_id: int = 1) -> bool:
    """True if the broker answers Metadata listing ``node_id`` at ``host:port``."""
    try:
        brokers = metadata_brokers(host, port)
    except (OSError, ProtocolError, UnicodeDecodeError):
        return False
    return any(b.node_id == node_id and b.port == port for b in brokers)
