"""The two local servers: how to install, configure, start and probe each."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
from abc import ABC, abstractmethod
from pathlib import Path

from services_lib.kafka_probe import kafka_ready
from services_lib.mongo_probe import mongo_ready
from services_lib.procs import tail
from services_lib.settings import HOST, Settings


class ServiceError(Exception):
    """A server could not be installed, started or reached."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


def _digest(paths: list[Path]) -> str:
    """Hash the contents of ``paths`` (the inputs of an install step)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _require(tool: str, why: str) -> str:
    """Return the full path of ``tool`` on PATH or raise a helpful error."""
    found = shutil.which(tool)
    if found is None:
        raise ServiceError(f"'{tool}' not found on PATH ({why})")
    return found


def run_logged(argv: list[str], log: Path, cwd: Path | None = None) -> None:
    """Run a build/setup command, output appended to ``log``; raise on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        code = subprocess.call(
            argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    if code != 0:
        raise ServiceError(f"'{Path(argv[0]).name}' exited with code {code}", log)


class Server(ABC):
    """A background server managed by ``scripts/services``."""

    name: str

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    @abstractmethod
    def port(self) -> int:
        """Client port the server listens on (on ``HOST``)."""

    @property
    def address(self) -> str:
        """``host:port`` clients connect to."""
        return f"{HOST}:{self.port}"

    def ports(self) -> list[int]:
        """Every port the server binds (all must be free before a start)."""
        return [self.port]

    @property
    def pid_file(self) -> Path:
        """Pid file written when the server is started."""
        return self.settings.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        """The server's stdout/stderr."""
        return self.settings.logs_dir / f"{self.name}.log"

    @property
    def install_log(self) -> Path:
        """Output of the install and setup commands."""
        return self.settings.logs_dir / f"{self.name}-install.log"

    @property
    def stamp_file(self) -> Path:
        """Records the digest of the sources the installed artifact came from."""
        return self.settings.runtime / f"{self.name}.installed"

    def installed(self) -> bool:
        """True if the artifact exists and was built from the current sources."""
        if not self.artifact().exists() or not self.stamp_file.exists():
            return False
        return self.stamp_file.read_text().strip() == _digest(self.sources())

    def install(self) -> None:
        """Build the artifact from the repository's sources and stamp it."""
        self.install_log.unlink(missing_ok=True)
        self.build()
        self.stamp_file.write_text(_digest(self.sources()) + "\n")

    @abstractmethod
    def sources(self) -> list[Path]:
        """Repository files the artifact is built from."""

    @abstractmethod
    def artifact(self) -> Path:
        """What ``build`` produces under the runtime folder."""

    @abstractmethod
    def build(self) -> None:
        """Download/build the artifact."""

    @abstractmethod
    def prepare(self) -> None:
        """Write configuration and initialise data before a start."""

    @abstractmethod
    def command(self) -> list[str]:
        """argv that runs the server in the foreground."""

    @abstractmethod
    def signature(self) -> str:
        """A string found in the server's cmdline, proving it is ours."""

    @abstractmethod
    def ready(self) -> bool:
        """True if the server answers a real protocol request."""

    @abstractmethod
    def data_dirs(self) -> list[Path]:
        """Folders/files holding state, removed by ``reset``."""


class Kafka(Server):
    """Single-node KRaft Kafka broker+controller, jars from Maven Central."""

    name = "kafka"

    @property
    def home(self) -> Path:
        """Kafka's folder under the runtime folder."""
        return self.settings.runtime / "kafka"

    @property
    def port(self) -> int:
        """PLAINTEXT listener port."""
        return self.settings.kafka_port

    def ports(self) -> list[int]:
        """Client and controller ports."""
        return [self.settings.kafka_port, self.settings.controller_port]

    def sources(self) -> list[Path]:
        """The dependency manifest."""
        return [self.settings.repo / "services" / "kafka" / "pom.xml"]

    def artifact(self) -> Path:
        """Folder of runtime jars."""
        return self.home / "libs"

    def build(self) -> None:
        """Copy kafka_2.13 and its runtime dependencies with Maven."""
        mvn = _require("mvn", "Maven 3.8+ fetches the Kafka jars")
        staging = self.home / "libs.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        argv = [mvn, "-q", "-B", "-f", str(self.sources()[0])]
        argv += ["dependency:copy-dependencies", "-DincludeScope=runtime"]
        run_logged([*argv, f"-DoutputDirectory={staging}"], self.install_log)
        shutil.rmtree(self.artifact(), ignore_errors=True)
        staging.rename(self.artifact())

    def server_properties(self) -> str:
        """Contents of server.properties for a one-node KRaft cluster."""
        s = self.settings
        plaintext = f"PLAINTEXT://{HOST}:{s.kafka_port}"
        controller = f"CONTROLLER://{HOST}:{s.controller_port}"
        lines = [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{HOST}:{s.controller_port}",
            f"listeners={plaintext},{controller}",
            f"advertised.listeners={plaintext}",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={self.home / 'data'}",
            "num.partitions=3",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "min.insync.replicas=1",
            "group.initial.rebalance.delay.ms=0",
            # Let consumer groups have session timeouts from 6 s (tests use
            # short ones, so a killed worker's partitions move on quickly).
            "group.consumer.min.session.timeout.ms=6000",
            "group.consumer.min.heartbeat.interval.ms=1000",
            "auto.create.topics.enable=false",
        ]
        header = "# Written by scripts/services; edits are overwritten."
        return "\n".join([header, *lines, ""])

    @property
    def config_file(self) -> Path:
        """Path of the generated server.properties."""
        return self.home / "server.properties"

    def _java(self) -> list[str]:
        """``java`` with the classpath of the installed jars."""
        java = _require("java", "Kafka 4 needs Java 17+")
        return [java, "-cp", str(self.artifact() / "*")]

    def prepare(self) -> None:
        """Write server.properties; format storage once with a new cluster id."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.server_properties())
        if (self.home / "data" / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        argv = [*self._java(), "kafka.tools.StorageTool", "format"]
        argv += ["-t", cluster_id, "-c", str(self.config_file)]
        run_logged(argv, self.install_log)

    def command(self) -> list[str]:
        """The broker's JVM command line."""
        log4j = self.settings.repo / "services" / "kafka" / "log4j2.yaml"
        java, cp_flag, classpath = self._java()
        return [
            java,
            "-Xms256m",
            "-Xmx1g",
            f"-Dlog4j2.configurationFile={log4j}",
            cp_flag,
            classpath,
            "kafka.Kafka",
            str(self.config_file),
        ]

    def signature(self) -> str:
        """The generated config path appears in the JVM's cmdline."""
        return str(self.config_file)

    def ready(self) -> bool:
        """A Metadata request lists broker 1."""
        return kafka_ready(HOST, self.port)

    def data_dirs(self) -> list[Path]:
        """Log dirs (including the KRaft metadata log) and the config file."""
        return [self.home / "data", self.config_file]


class FerretDB(Server):
    """FerretDB with its SQLite handler, via the launcher in services/ferretdb."""

    name = "ferretdb"

    @property
    def port(self) -> int:
        """MongoDB wire-protocol port."""
        return self.settings.mongo_port

    @property
    def source_dir(self) -> Path:
        """The Go module of the launcher."""
        return self.settings.repo / "services" / "ferretdb"

    def sources(self) -> list[Path]:
        """Module files the launcher is built from."""
        return [self.source_dir / n for n in ("go.mod", "go.sum", "main.go")]

    def artifact(self) -> Path:
        """The launcher binary."""
        return self.settings.runtime / "bin" / "ferretdb-launcher"

    def build(self) -> None:
        """``go build`` the launcher (modules pinned by the committed go.sum)."""
        go = _require("go", "Go 1.24+ builds the FerretDB launcher")
        staging = self.artifact().with_suffix(".tmp")
        argv = [go, "build", "-mod=readonly", "-buildvcs=false", "-trimpath"]
        run_logged([*argv, "-o", str(staging), "."], self.install_log, self.source_dir)
        staging.replace(self.artifact())

    @property
    def data_dir(self) -> Path:
        """SQLite databases (one file per MongoDB database)."""
        return self.settings.runtime / "ferretdb" / "data"

    def prepare(self) -> None:
        """Create the data folder."""
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        """The launcher's command line."""
        sqlite = f"file:{self.data_dir}/"
        argv = [str(self.artifact()), "-listen", self.address, "-sqlite", sqlite]
        return [*argv, "-log-level", "warn"]

    def signature(self) -> str:
        """The binary path appears in the launcher's cmdline."""
        return str(self.artifact())

    def ready(self) -> bool:
        """A ``ping`` command answers ``ok: 1.0``."""
        return mongo_ready(HOST, self.port)

    def data_dirs(self) -> list[Path]:
        """The SQLite folder."""
        return [self.data_dir]


def all_servers(settings: Settings) -> list[Server]:
    """Every server, in start order."""
    return [Kafka(settings), FerretDB(settings)]


def log_excerpt(path: Path, lines: int = 40) -> str:
    """Last lines of a log, framed for printing after an error."""
    text = tail(path, lines).rstrip()
    if not text:
        return f"({path} is empty or missing)"
    return f"--- last {lines} lines of {path} ---\n{text}\n--- end of log ---"
