"""Background processes: spawn detached, pid files, ownership checks, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections import deque
from pathlib import Path


def read_pid(pid_file: Path) -> int | None:
    """Return the pid stored in ``pid_file``, or None if absent or garbled."""
    try:
        return int(pid_file.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def read_ports(pid_file: Path) -> list[int]:
    """Return the ports recorded next to the pid (empty if none)."""
    try:
        return [int(port) for port in pid_file.read_text().split()[1:]]
    except (FileNotFoundError, ValueError):
        return []


def cmdline(pid: int) -> str:
    """Return the command line of a live, non-zombie process, else ''."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
        if state in (b"Z", b"X"):
            return ""
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, IndexError):
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def owned_pid(pid_file: Path, signature: str) -> int | None:
    """Return the pid in ``pid_file`` if alive and its cmdline has ``signature``."""
    pid = read_pid(pid_file)
    if pid is None or signature not in cmdline(pid):
        return None
    return pid


def spawn(
    argv: list[str], log_file: Path, pid_file: Path, ports: list[int]
) -> subprocess.Popen[bytes]:
    """Start ``argv`` detached (own session), output to ``log_file``.

    The pid file holds the pid followed by the ``ports`` the server binds.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    if log_file.exists():
        log_file.replace(log_file.with_name(log_file.name + ".prev"))
    with open(log_file, "wb") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    pid_file.write_text(" ".join(str(n) for n in [proc.pid, *ports]) + "\n")
    return proc


def stop(pid: int, signature: str, grace: float = 20.0) -> bool:
    """SIGTERM ``pid``, SIGKILL after ``grace`` seconds; True if it was killed."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if signature not in cmdline(pid):
            return False
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    while signature in cmdline(pid):
        time.sleep(0.1)
    return True


def port_in_use(host: str, port: int) -> bool:
    """True if something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of a text file ('' if it is missing)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines))
    except FileNotFoundError:
        return ""
