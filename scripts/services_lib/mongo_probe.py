"""Readiness probe for FerretDB: a MongoDB ``ping`` over hand-written OP_MSG.

Includes a tiny BSON encoder/decoder covering the types a ping exchange uses.
"""

from __future__ import annotations

import itertools
import socket
import struct

from services_lib.wire import ProtocolError, Reader, recv_exact

OP_MSG = 2013
_request_ids = itertools.count(1)


def _cstring(text: str) -> bytes:
    """Encode a BSON cstring (no embedded NULs allowed)."""
    raw = text.encode()
    if b"\0" in raw:
        raise ValueError("BSON key contains NUL")
    return raw + b"\0"


def _element(key: str, value: object) -> bytes:
    """Encode one BSON element: type byte, key, value."""
    name = _cstring(key)
    if isinstance(value, bool):
        return b"\x08" + name + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        return b"\x10" + name + struct.pack("<i", value)
    if isinstance(value, float):
        return b"\x01" + name + struct.pack("<d", value)
    if isinstance(value, str):
        raw = value.encode() + b"\0"
        return b"\x02" + name + struct.pack("<i", len(raw)) + raw
    if isinstance(value, dict):
        return b"\x03" + name + encode(value)
    raise TypeError(f"cannot BSON-encode {type(value).__name__}")


def encode(doc: dict[str, object]) -> bytes:
    """Encode a flat or nested dict of bool/int/float/str/dict as BSON."""
    body = b"".join(_element(k, v) for k, v in doc.items())
    return struct.pack("<i", len(body) + 5) + body + b"\0"


def _read_cstring(reader: Reader) -> str:
    """Decode a NUL-terminated BSON key."""
    end = reader.data.index(b"\0", reader.pos)
    return reader.take(end - reader.pos + 1)[:-1].decode()


def _read_value(reader: Reader, kind: int) -> object:
    """Decode one BSON value of type ``kind``."""
    fixed = {0x01: "<d", 0x10: "<i", 0x11: "<Q", 0x12: "<q", 0x09: "<q"}
    if kind in fixed:
        fmt = fixed[kind]
        return struct.unpack(fmt, reader.take(struct.calcsize(fmt)))[0]
    if kind == 0x02:
        return reader.take(reader.unpack("<i"))[:-1].decode()
    if kind in (0x03, 0x04):
        doc = decode(reader.take(reader.unpack("<i") - 4), prefixed=False)
        return list(doc.values()) if kind == 0x04 else doc
    if kind == 0x08:
        return reader.take(1) != b"\x00"
    if kind == 0x0A:
        return None
    if kind == 0x07:
        return reader.take(12)
    raise ProtocolError(f"unsupported BSON type 0x{kind:02x}")


def decode(data: bytes, prefixed: bool = True) -> dict[str, object]:
    """Decode a BSON document (``prefixed``: data starts with its length)."""
    reader = Reader(data)
    if prefixed and reader.unpack("<i") != len(data):
        raise ProtocolError("BSON length mismatch")
    doc: dict[str, object] = {}
    while True:
        kind = reader.take(1)[0]
        if kind == 0:
            break
        key = _read_cstring(reader)
        doc[key] = _read_value(reader, kind)
    if not reader.done():
        raise ProtocolError("trailing bytes after BSON document")
    return doc


def command(
    host: str, port: int, cmd: dict[str, object], timeout: float = 3.0
) -> dict[str, object]:
    """Run one database command via OP_MSG and return the reply document."""
    request_id = next(_request_ids)
    payload = struct.pack("<I", 0) + b"\x00" + encode(cmd)
    header = struct.pack("<iiii", 16 + len(payload), request_id, 0, OP_MSG)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(header + payload)
        size, _, response_to, opcode = struct.unpack("<iiii", recv_exact(sock, 16))
        body = Reader(recv_exact(sock, size - 16))
    if opcode != OP_MSG or response_to != request_id:
        raise ProtocolError(f"unexpected reply opcode {opcode}")
    body.unpack("<I")  # flag bits
    if body.take(1) != b"\x00":
        raise ProtocolError("reply does not start with a body section")
    (doc_size,) = struct.unpack_from("<i", body.data, body.pos)
    return decode(body.take(doc_size))


def mongo_ready(host: str, port: int) -> bool:
    """True if the server answers ``{ping: 1}`` on ``admin`` with ``ok: 1.0``."""
    try:
        reply = command(host, port, {"ping": 1, "$db": "admin"})
    except (OSError, ProtocolError, ValueError, UnicodeDecodeError):
        return False
    return reply.get("ok") == 1.0
