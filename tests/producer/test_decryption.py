import io
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from producer.decryption import (
    CHUNK_SIZE,
    DEFAULT_ITERATIONS,
    DecryptionError,
    open_decrypted,
    verify_decryptable,
)
from producer.errors import SourceError

PASSWORD = "correct horse battery staple"
PASSWORD_ENV = "PROFILE_IMPORT_TEST_ENC_PASSWORD"
# A fixed salt makes the ciphertext, and so what a wrong key decrypts it to,
# the same on every run: wrong-key tests cannot pass by chance (about 1 in 256).
FIXED_SALT = bytes.fromhex("0123456789abcdef")

Encrypt = Callable[..., Path]


def openssl_command() -> str:
    """Return the openssl executable; fail (never skip) when it is missing."""
    command = shutil.which("openssl")
    if command is None:
        pytest.fail("the openssl command is required to make encrypted test files")
    return command


@pytest.fixture
def encrypt(tmp_path: Path) -> Encrypt:
    """Encrypt bytes with the real openssl command; return the .enc path."""

    def run(
        plain: bytes,
        password: str = PASSWORD,
        iterations: int = DEFAULT_ITERATIONS,
        salt: bytes | None = None,
    ) -> Path:
        source = tmp_path / "profiles.jsonl"
        source.write_bytes(plain)
        target = tmp_path / "profiles.jsonl.enc"
        command = [openssl_command(), "enc", "-aes-256-cbc", "-salt", "-pbkdf2"]
        command += ["-iter", str(iterations), "-in", str(source), "-out", str(target)]
        # The password goes through the environment, never the command line.
        command += ["-pass", f"env:{PASSWORD_ENV}"]
        if salt is not None:
            command += ["-S", salt.hex()]
        env = {**os.environ, PASSWORD_ENV: password}
        subprocess.run(command, env=env, check=True, capture_output=True)
        if salt is not None:
            # OpenSSL 3 leaves out the header when given the salt with -S.
            target.write_bytes(b"Salted__" + salt + target.read_bytes())
        return target

    return run


def random_bytes(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def read_all(
    path: Path, password: str = PASSWORD, iterations: int | None = None
) -> bytes:
    extra = {} if iterations is None else {"iterations": iterations}
    with open_decrypted(path, password, **extra) as stream:
        return stream.read()


def assert_password_not_leaked(error: BaseException, password: str) -> None:
    """Check the message, repr and causes of an error for the password."""
    current: BaseException | None = error
    while current is not None:
        assert password not in str(current)
        assert password not in repr(current)
        current = current.__cause__ or current.__context__


@pytest.mark.parametrize(
    ("size", "iterations"),
    [
        (0, None),
        (1, None),
        (15, None),
        (16, None),
        (4096, None),
        (CHUNK_SIZE + 7, None),
        (2 * CHUNK_SIZE, None),
        (1000, 1000),
        (CHUNK_SIZE - 1, 25_000),
        (48, 1),
    ],
)
def test_decryption_matches_the_original_byte_for_byte(
    encrypt: Encrypt, size: int, iterations: int | None
) -> None:
    plain = random_bytes(size)
    path = encrypt(plain, iterations=iterations or DEFAULT_ITERATIONS)

    verify_decryptable(path, PASSWORD, iterations or DEFAULT_ITERATIONS)

    assert read_all(path, iterations=iterations) == plain


@pytest.mark.parametrize("password", ["pässwörd ☃", " leading and trailing "])
def test_non_ascii_and_spaced_passwords_are_used_as_utf8(
    encrypt: Encrypt, password: str
) -> None:
    path = encrypt(b'{"email": "a@example.com"}\n', password=password)

    assert read_all(path, password) == b'{"email": "a@example.com"}\n'


@pytest.mark.parametrize(
    ("newline", "separator"), [(None, "\n"), ("", "\r\n")], ids=["universal", "kept"]
)
def test_multi_megabyte_file_reads_line_by_line_through_text_wrapper(
    encrypt: Encrypt, newline: str | None, separator: str
) -> None:
    lines = [
        f'{{"email": "user{n}@example.com", "name": "Zoë {n}"}}' for n in range(60_000)
    ]
    path = encrypt("\r\n".join(lines).encode("utf-8") + b"\r\n")

    with io.TextIOWrapper(
        open_decrypted(path, PASSWORD), encoding="utf-8", newline=newline
    ) as text:
        read = list(text)

    assert path.stat().st_size > 3 * CHUNK_SIZE
    assert read == [line + separator for line in lines]


@pytest.mark.parametrize(
    ("password", "iterations"),
    [("Tr0ub4dor&3", DEFAULT_ITERATIONS), (PASSWORD, 9_999), (PASSWORD, 1000)],
    ids=["wrong-password", "iterations-off-by-one", "wrong-iterations"],
)
@pytest.mark.parametrize("size", [0, 100, 3 * CHUNK_SIZE])
def test_wrong_key_is_refused_by_verify_and_at_the_end_of_the_stream(
    encrypt: Encrypt, password: str, iterations: int, size: int
) -> None:
    path = encrypt(random_bytes(size), salt=FIXED_SALT)

    with pytest.raises(DecryptionError, match="wrong password") as verified:
        verify_decryptable(path, password, iterations)
    with pytest.raises(DecryptionError, match="wrong iteration count") as streamed:
        read_all(path, password, iterations)

    assert str(verified.value) == str(streamed.value)
    assert path.name in str(verified.value)
    assert_password_not_leaked(verified.value, password)
    assert_password_not_leaked(verified.value, PASSWORD)


def test_wrong_key_fails_only_after_earlier_chunks_were_read(encrypt: Encrypt) -> None:
    path = encrypt(random_bytes(3 * CHUNK_SIZE), salt=FIXED_SALT)

    with open_decrypted(path, "Tr0ub4dor&3") as stream:
        first = stream.read(CHUNK_SIZE)
        with pytest.raises(DecryptionError):
            stream.read()
        with pytest.raises(DecryptionError):
            stream.read()

    assert len(first) == CHUNK_SIZE


@pytest.mark.parametrize(
    ("kept", "message"),
    [
        (lambda size: size - 5, "not a whole number of AES blocks"),
        (lambda size: size - 1, "not a whole number of AES blocks"),
        (lambda size: size - 16, "wrong password, wrong iteration count, or damaged"),
        (lambda size: 16, "is truncated \\(no ciphertext after the salt\\)"),
        (lambda size: 12, "the salt after the 'Salted__' header is cut short"),
    ],
    ids=["mid-block", "last-byte", "block-boundary", "salt-only", "mid-salt"],
)
def test_truncated_file_is_refused(
    encrypt: Encrypt, kept: Callable[[int], int], message: str
) -> None:
    path = encrypt(random_bytes(CHUNK_SIZE + 100))
    ciphertext = path.read_bytes()
    path.write_bytes(ciphertext[: kept(len(ciphertext))])

    with pytest.raises(SourceError, match=message) as verified:
        verify_decryptable(path, PASSWORD)
    with pytest.raises(DecryptionError, match=message):
        read_all(path)

    assert path.name in str(verified.value)
    assert_password_not_leaked(verified.value, PASSWORD)


@pytest.mark.parametrize(
    "content", [b'{"email": "a@example.com"}\n' * 10, b"", b"Salted"], ids=str
)
def test_plain_file_is_refused_for_its_missing_header(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "profiles.jsonl"
    path.write_bytes(content)

    with pytest.raises(DecryptionError, match="no 'Salted__' header") as verified:
        verify_decryptable(path, PASSWORD)
    with pytest.raises(DecryptionError, match="not an OpenSSL encrypted file"):
        open_decrypted(path, PASSWORD)

    assert verified.value.path == path
    assert_password_not_leaked(verified.value, PASSWORD)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_closing_the_stream_closes_the_file(encrypt: Encrypt) -> None:
    path = encrypt(random_bytes(100))
    before = open_descriptors()

    stream = open_decrypted(path, PASSWORD)
    during = open_descriptors()
    stream.close()

    assert (during, open_descriptors()) == (before + 1, before)


def test_file_is_closed_when_the_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_bytes(b"not encrypted at all")
    before = open_descriptors()

    with pytest.raises(DecryptionError):
        open_decrypted(path, PASSWORD)

    assert open_descriptors() == before


def test_missing_file_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        verify_decryptable(tmp_path / "absent.enc", PASSWORD)


@pytest.mark.parametrize("iterations", [0, -1])
def test_iteration_count_below_one_is_rejected(
    encrypt: Encrypt, iterations: int
) -> None:
    path = encrypt(b"x")

    with pytest.raises(ValueError, match="iterations must be at least 1"):
        open_decrypted(path, PASSWORD, iterations)
