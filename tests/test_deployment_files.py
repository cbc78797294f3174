"""Checks of the Docker deployment files: compose, Prometheus and Grafana."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
PROMETHEUS_CONFIG = REPO_ROOT / "prometheus" / "prometheus.yml"
GRAFANA_DIR = REPO_ROOT / "grafana"
DATASOURCE_FILE = GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml"
PROVIDER_FILE = GRAFANA_DIR / "provisioning" / "dashboards" / "profile-import.yml"
DASHBOARD_FILE = GRAFANA_DIR / "dashboards" / "profile-import.json"

EXPECTED_SERVICES = {"kafka", "mongodb", "prometheus", "grafana", "worker", "tracker"}
EXPECTED_METRICS = {
    "profile_import_lines_read_total",
    "profile_import_records_produced_total",
    "profile_import_outcomes_total",
    "profile_import_records_consumed_total",
    "profile_import_line_errors_total",
    "profile_import_consumer_lag",
    "profile_import_batch_write_seconds_bucket",
    "profile_import_jobs",
    "profile_import_batches_abandoned_total",
}
INSTALL_HINT = (
    "the `docker-compose` executable is not on PATH; install Debian's package "
    "with `apt-get install -y --no-install-recommends docker-compose`"
)


def run_compose(*args: str) -> subprocess.CompletedProcess[str]:
    """Run docker-compose (v1) on the repo's compose file; fail if it is missing."""
    executable = shutil.which("docker-compose")
    if executable is None:
        pytest.fail(INSTALL_HINT)
    return subprocess.run(
        [executable, "-f", str(COMPOSE_FILE), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def resolved_compose_config() -> str:
    result = run_compose("config")
    assert result.returncode == 0, result.stderr
    return result.stdout


def service_block(config: str, service: str) -> str:
    """The lines of one service in `docker-compose config` output."""
    match = re.search(
        rf"^  {re.escape(service)}:\n((?:    .*\n|  - .*\n)*)", config, re.MULTILINE
    )
    assert match is not None, f"service {service!r} not in resolved config"
    return match.group(1)


def load_dashboard() -> dict[str, Any]:
    data: Any = json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_docker_compose_config_validates_in_repo_root() -> None:
    result = run_compose("config", "-q")
    assert result.returncode == 0, (
        f"docker-compose config -q exited {result.returncode}: {result.stderr}"
    )


def test_compose_defines_all_pipeline_and_monitoring_services() -> None:
    result = run_compose("config", "--services")
    assert result.returncode == 0, result.stderr
    services = set(result.stdout.split())
    missing = EXPECTED_SERVICES - services
    assert not missing, f"services missing from docker-compose.yml: {missing}"


def test_worker_service_can_be_scaled() -> None:
    worker = service_block(resolved_compose_config(), "worker")
    assert "container_name:" not in worker
    assert "ports:" not in worker
    assert "- worker" in worker  # command: ["worker"]
    assert "PROFILE_IMPORT_KAFKA_BOOTSTRAP: kafka:9092" in worker
    assert "PROFILE_IMPORT_MONGO_URI: mongodb://mongodb:27017" in worker


def test_worker_and_tracker_wait_for_healthy_kafka_and_mongodb() -> None:
    config = resolved_compose_config()
    for service in ("worker", "tracker"):
        block = service_block(config, service)
        for dependency in ("kafka", "mongodb"):
            pattern = rf"      {dependency}:\n        condition: service_healthy\n"
            assert re.search(pattern, block), (
                f"{service} does not wait for a healthy {dependency}"
            )


def test_kafka_and_mongodb_have_healthchecks() -> None:
    config = resolved_compose_config()
    assert "kafka-broker-api-versions.sh" in service_block(config, "kafka")
    assert "db.runCommand({ping:1}).ok" in service_block(config, "mongodb")


def test_dockerfile_installs_package_and_uses_cli_entrypoint() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "pip install --no-cache-dir ." in dockerfile
    assert re.search(r'^ENTRYPOINT \["profile-import"\]', dockerfile, re.MULTILINE)
    ignored = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv/", ".services/"):
        assert entry in ignored


def test_prometheus_scrapes_every_worker_replica_and_the_tracker() -> None:
    text = PROMETHEUS_CONFIG.read_text(encoding="utf-8")
    assert re.search(r"^\s*scrape_interval:\s*5s\s*$", text, re.MULTILINE)
    assert re.search(
        r"dns_sd_configs:\s*\n\s*- names: \[\"worker\"\]\s*\n\s*type: A\s*\n"
        r"\s*port: 9400",
        text,
    )
    assert '"tracker:9400"' in text
    prometheus = service_block(resolved_compose_config(), "prometheus")
    assert "/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml" in prometheus


def test_grafana_datasource_points_at_prometheus_service() -> None:
    text = DATASOURCE_FILE.read_text(encoding="utf-8")
    assert re.search(r"^\s*uid:\s*prometheus\s*$", text, re.MULTILINE)
    assert re.search(r"^\s*url:\s*http://prometheus:9090\s*$", text, re.MULTILINE)
    assert re.search(r"^\s*isDefault:\s*true\s*$", text, re.MULTILINE)


def test_dashboard_provider_path_matches_grafana_mount() -> None:
    provider = PROVIDER_FILE.read_text(encoding="utf-8")
    paths = re.findall(r"^\s*path:\s*(\S+)\s*$", provider, re.MULTILINE)
    assert len(paths) == 1, f"expected one provider path, found {paths}"
    grafana = service_block(resolved_compose_config(), "grafana")
    mounts = re.findall(r"^    - (\S+?):(/\S+?)(?::ro|:rw)?$", grafana, re.MULTILINE)
    targets: dict[str, str] = dict(mounts)
    host_dashboards = str(GRAFANA_DIR / "dashboards")
    host_provisioning = str(GRAFANA_DIR / "provisioning")
    assert targets.get(host_dashboards) == paths[0], (
        f"provider path {paths[0]} is not where ./grafana/dashboards is mounted: "
        f"{targets}"
    )
    assert targets.get(host_provisioning) == "/etc/grafana/provisioning"


def test_dashboard_panels_query_prometheus_by_uid() -> None:
    dashboard = load_dashboard()
    assert dashboard["title"] == "profile-import"
    panels: list[dict[str, Any]] = dashboard["panels"]
    assert panels, "dashboard has no panels"
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {ids}"
    for panel in panels:
        title = panel["title"]
        assert title, f"panel {panel['id']} has no title"
        assert set(panel["gridPos"]) >= {"h", "w", "x", "y"}, title
        assert panel["datasource"]["uid"] == "prometheus", title
        assert panel["targets"], f"panel {title!r} has no targets"
        for target in panel["targets"]:
            assert target["refId"], title
            assert target["expr"].strip(), f"panel {title!r} has an empty expr"
            assert target["datasource"]["uid"] == "prometheus", title


def test_dashboard_covers_every_exported_metric() -> None:
    exprs = " ".join(
        target["expr"]
        for panel in load_dashboard()["panels"]
        for target in panel["targets"]
    )
    used = set(re.findall(r"\bprofile_import_[a-z_]+", exprs))
    assert used == EXPECTED_METRICS
