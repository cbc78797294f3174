"""Subcommands of ``scripts/services``: up, down, status, reset."""

from __future__ import annotations

import argparse
import fcntl
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from services_lib.procs import owned_pid, port_in_use, read_ports, spawn, stop
from services_lib.servers import Server, ServiceError, all_servers, log_excerpt
from services_lib.settings import HOST, ConfigError, Settings

REPO = Path(__file__).resolve().parents[2]


_print_lock = threading.Lock()


def say(message: str, stream: TextIO = sys.stdout) -> None:
    """Print one whole line at once (servers are handled in parallel threads)."""
    with _print_lock:
        stream.write(message + "\n")
        stream.flush()


@contextmanager
def runtime_lock(settings: Settings) -> Iterator[None]:
    """Serialise concurrent up/down/reset runs on the same runtime folder."""
    settings.runtime.mkdir(parents=True, exist_ok=True)
    with open(settings.runtime / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("services: waiting for another scripts/services run to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def ensure_ports_free(server: Server) -> None:
    """Refuse to start over a port that some other process already holds."""
    for port in server.ports():
        if port_in_use(HOST, port):
            raise ServiceError(
                f"{server.name}: {HOST}:{port} is already in use by a process "
                "not started by scripts/services"
            )


def start(server: Server) -> subprocess.Popen[bytes]:
    """Install if needed, prepare and spawn a server that is not running."""
    ensure_ports_free(server)
    if not server.installed():
        say(f"{server.name}: installing (log: {server.install_log})")
        began = time.monotonic()
        server.install()
        say(f"{server.name}: installed ({time.monotonic() - began:.1f} s)")
    server.prepare()
    say(f"{server.name}: starting")
    return spawn(server.command(), server.log_file, server.pid_file, server.ports())


def check_same_ports(server: Server) -> None:
    """Refuse to report ready when the running server uses other ports."""
    running = read_ports(server.pid_file)
    if running and running != server.ports():
        raise ServiceError(
            f"{server.name}: already running on ports {running}, not "
            f"{server.ports()}; run 'scripts/services down' first"
        )


def wait_ready(server: Server, proc: subprocess.Popen[bytes] | None) -> float:
    """Poll until the server answers; return seconds waited or raise."""
    began = time.monotonic()
    deadline = began + server.settings.timeout
    while not server.ready():
        if proc is not None and proc.poll() is not None:
            message = f"{server.name}: exited with code {proc.returncode} at start"
            raise ServiceError(message, server.log_file)
        # A process we just spawned may not have exec'd yet, so its command line
        # is still ours: only a server found running is checked by signature.
        if proc is None and owned_pid(server.pid_file, server.signature()) is None:
            raise ServiceError(f"{server.name}: process died", server.log_file)
        if time.monotonic() > deadline:
            message = (
                f"{server.name}: no answer on {server.address} after "
                f"{server.settings.timeout:.0f} s (still running; "
                "'scripts/services down' stops it)"
            )
            raise ServiceError(message, server.log_file)
        time.sleep(0.3)
    return time.monotonic() - began


def bring_up(server: Server) -> None:
    """Make one server run and answer (no-op beyond a probe if it already does)."""
    pid = owned_pid(server.pid_file, server.signature())
    proc = None
    if pid is None:
        proc = start(server)
    else:
        say(f"{server.name}: already running (pid {pid})")
        check_same_ports(server)
    waited = wait_ready(server, proc)
    say(f"{server.name}: ready on {server.address} ({waited:.1f} s)")


def take_down(server: Server) -> None:
    """Stop one server if we started it; always remove its pid file."""
    pid = owned_pid(server.pid_file, server.signature())
    if pid is None:
        say(f"{server.name}: not running")
    else:
        say(f"{server.name}: stopping (pid {pid})")
        began = time.monotonic()
        killed = stop(pid, server.signature())
        how = "killed after SIGTERM timeout" if killed else "stopped"
        say(f"{server.name}: {how} ({time.monotonic() - began:.1f} s)")
    server.pid_file.unlink(missing_ok=True)


def for_each(servers: list[Server], action: Callable[[Server], None]) -> int:
    """Run ``action`` on all servers concurrently; report errors; exit code."""
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        futures = [pool.submit(action, server) for server in servers]
    failed = 0
    for future in futures:
        error = future.exception()
        if error is None:
            continue
        if not isinstance(error, ServiceError):
            raise error
        failed += 1
        say(f"error: {error}", sys.stderr)
        if error.log is not None:
            say(log_excerpt(error.log), sys.stderr)
    return 1 if failed else 0


def cmd_up(settings: Settings) -> int:
    """Install what is missing, start what is stopped, wait until all answer."""
    with runtime_lock(settings):
        return for_each(all_servers(settings), bring_up)


def cmd_down(settings: Settings) -> int:
    """Stop the servers this script started."""
    with runtime_lock(settings):
        return for_each(all_servers(settings), take_down)


def cmd_status(settings: Settings) -> int:
    """One line per server; exit 0 only if every server answers."""
    all_answer = True
    for server in all_servers(settings):
        pid = owned_pid(server.pid_file, server.signature())
        answers = server.ready()
        all_answer = all_answer and answers
        state = f"running (pid {pid})" if pid else "stopped"
        reply = "answers" if answers else "not answering"
        if answers and pid is None:
            reply = "answers (a process not started by scripts/services)"
        say(f"{server.name}: {state}, {server.address}, {reply}")
    return 0 if all_answer else 1


def cmd_reset(settings: Settings) -> int:
    """Stop the servers and delete their data (keeps jars and binaries)."""
    with runtime_lock(settings):
        code = for_each(all_servers(settings), take_down)
        for server in all_servers(settings):
            for path in server.data_dirs():
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
            say(f"{server.name}: data removed")
        return code


COMMANDS: dict[str, Callable[[Settings], int]] = {
    "up": cmd_up,
    "down": cmd_down,
    "status": cmd_status,
    "reset": cmd_reset,
}


def parse_args(argv: list[str]) -> str:
    """Return the chosen subcommand."""
    parser = argparse.ArgumentParser(
        prog="scripts/services",
        description="Local Kafka (KRaft) and FerretDB (SQLite) for development.",
        epilog="Environment: PROFILE_IMPORT_SERVICES_DIR, PROFILE_IMPORT_KAFKA_PORT, "
        "PROFILE_IMPORT_KAFKA_CONTROLLER_PORT, PROFILE_IMPORT_MONGO_PORT, "
        "PROFILE_IMPORT_SERVICES_TIMEOUT.",
    )
    parser.add_argument("command", choices=sorted(COMMANDS))
    command: str = parser.parse_args(argv).command
    return command


def main(argv: list[str]) -> int:
    """Entry point: dispatch the subcommand, turn known errors into exit 1."""
    command = parse_args(argv)
    try:
        settings = Settings.from_env(REPO)
        return COMMANDS[command](settings)
    except (ConfigError, ServiceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
