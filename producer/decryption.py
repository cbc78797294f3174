"""Reading files encrypted with `openssl enc -aes-256-cbc -salt -pbkdf2`.

Such a file is the 8 bytes `Salted__`, an 8-byte salt, then AES-256-CBC
ciphertext with PKCS#7 padding. The key and IV are the first 32 and the next 16
bytes of PBKDF2-HMAC-SHA256(password, salt, iterations).

The format has no checksum: a wrong password, a wrong iteration count and a file
cut at a block boundary are only noticed by the padding check on the last block,
once the whole file has been read. A caller that must produce nothing from such
a file therefore calls `verify_decryptable` first (AES runs at hundreds of MB/s,
so one extra pass is cheap) and then streams the plaintext with `open_decrypted`.

Messages name the file but never the password or anything derived from it.
Errors reading the file itself (missing, unreadable) are raised as `OSError`.
"""

import io
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms
from cryptography.hazmat.primitives.ciphers.modes import CBC
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from producer.errors import SourceError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

DEFAULT_ITERATIONS = 10_000
CHUNK_SIZE = 1024 * 1024

_MAGIC = b"Salted__"
_SALT_SIZE = 8
_KEY_SIZE = 32
_IV_SIZE = 16
_BLOCK_SIZE = 16


class DecryptionError(SourceError):
    """An encrypted file that cannot be decrypted: not encrypted, cut, or wrong key."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path


def _not_encrypted(path: Path) -> DecryptionError:
    return DecryptionError(
        path, f"{path.name} is not an OpenSSL encrypted file (no 'Salted__' header)"
    )


def _truncated(path: Path, what: str) -> DecryptionError:
    return DecryptionError(path, f"{path.name} is truncated ({what})")


def _undecryptable(path: Path) -> DecryptionError:
    return DecryptionError(
        path,
        f"cannot decrypt {path.name}: wrong password, wrong iteration count, "
        "or damaged or truncated file",
    )


def _read_salt(path: Path, file: BinaryIO) -> bytes:
    """Read the header and return the salt."""
    header = file.read(len(_MAGIC) + _SALT_SIZE)
    if not header.startswith(_MAGIC):
        raise _not_encrypted(path)
    if len(header) < len(_MAGIC) + _SALT_SIZE:
        raise _truncated(path, "the salt after the 'Salted__' header is cut short")
    return header[len(_MAGIC) :]


def _make_decryptor(password: str, salt: bytes, iterations: int) -> CipherContext:
    """Derive the key and IV as `openssl enc -pbkdf2` does and start a decryptor."""
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(),
        length=_KEY_SIZE + _IV_SIZE,
        salt=salt,
        iterations=iterations,
    )
    secret = kdf.derive(password.encode("utf-8"))
    key, iv = secret[:_KEY_SIZE], secret[_KEY_SIZE:]
    return Cipher(algorithms.AES256(key), CBC(iv)).decryptor()


class _DecryptingReader(io.RawIOBase):
    """The plaintext of an encrypted file, decrypted one chunk at a time."""

    def __init__(self, path: Path, file: BinaryIO, decryptor: CipherContext) -> None:
        super().__init__()
        self._path = path
        self._file = file
        self._decryptor = decryptor
        # The unpadder keeps back the last block it was given until finalize(),
        # so padding is only stripped from the true end of the file.
        self._unpadder = padding.PKCS7(_BLOCK_SIZE * 8).unpadder()
        self._ciphertext_size = 0
        self._plain = memoryview(b"")
        self._at_end = False
        self._failure: DecryptionError | None = None

    def readable(self) -> bool:
        """Return True: this stream is read-only."""
        return True

    def readinto(self, buffer: "WriteableBuffer") -> int:
        """Fill `buffer` with plaintext; return 0 at the end of the file."""
        while not self._plain and not self._at_end:
            self._plain = memoryview(self._decrypt_next_chunk())
        target = memoryview(buffer).cast("B")
        size = min(len(target), len(self._plain))
        target[:size] = self._plain[:size]
        self._plain = self._plain[size:]
        return size

    def close(self) -> None:
        """Close the encrypted file too."""
        self._file.close()
        super().close()

    def _decrypt_next_chunk(self) -> bytes:
        if self._failure is not None:
            # A caller that catches the error and reads on must not see a clean EOF.
            raise self._failure
        chunk = self._file.read(CHUNK_SIZE)
        if chunk:
            self._ciphertext_size += len(chunk)
            return self._unpadder.update(self._decryptor.update(chunk))
        try:
            plain = self._finish()
        except DecryptionError as error:
            self._failure = error
            raise
        self._at_end = True
        return plain

    def _finish(self) -> bytes:
        """Check the length and the padding of the whole ciphertext."""
        if self._ciphertext_size == 0:
            raise _truncated(self._path, "no ciphertext after the salt")
        if self._ciphertext_size % _BLOCK_SIZE:
            raise _truncated(
                self._path, "ciphertext is not a whole number of AES blocks"
            )
        last = self._unpadder.update(self._decryptor.finalize())
        try:
            return last + self._unpadder.finalize()
        except ValueError as error:
            # A wrong key still yields valid padding about once in 256 tries (the
            # format has no MAC): producer.source also checks the start is text.
            raise _undecryptable(self._path) from error


def open_decrypted(
    path: Path, password: str, iterations: int = DEFAULT_ITERATIONS
) -> io.BufferedReader:
    """Open a readable, buffered binary stream of the plaintext, decrypting as read.

    A bad header raises `DecryptionError` here; a wrong password or a cut file
    raises it from the read that reaches the end of the file.
    """
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, not {iterations}")
    file = path.open("rb")
    try:
        decryptor = _make_decryptor(password, _read_salt(path, file), iterations)
    except BaseException:
        file.close()
        raise
    reader = _DecryptingReader(path, file, decryptor)
    return io.BufferedReader(reader, buffer_size=CHUNK_SIZE)


def verify_decryptable(
    path: Path, password: str, iterations: int = DEFAULT_ITERATIONS
) -> None:
    """Decrypt the whole file once, discarding it; raise `DecryptionError` if it fails.

    Catches a wrong password, a wrong iteration count and a cut or damaged file
    before anything is produced from the file.
    """
    buffer = bytearray(CHUNK_SIZE)
    with open_decrypted(path, password, iterations) as stream:
        while stream.readinto(buffer):
            pass
