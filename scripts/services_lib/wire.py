"""Length-prefixed request/response exchange over a short-lived TCP socket."""

from __future__ import annotations

import socket
import struct


class ProtocolError(Exception):
    """The server answered with something malformed or unexpected."""


def recv_exact(sock: socket.socket, size: int) -> bytes:
    """Read exactly ``size`` bytes or raise ``ProtocolError`` on early EOF."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ProtocolError("connection closed mid-response")
        chunks.extend(chunk)
    return bytes(chunks)


class Reader:
    """Sequential big/little-endian decoder over a bytes buffer."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        """Consume ``size`` raw bytes."""
        if size < 0 or self.pos + size > len(self.data):
            raise ProtocolError("response truncated")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str) -> int:
        """Consume one integer in ``struct`` format ``fmt``."""
        (value,) = struct.unpack(fmt, self.take(struct.calcsize(fmt)))
        return int(value)

    def done(self) -> bool:
        """True when every byte has been consumed."""
        return self.pos == len(self.data)
