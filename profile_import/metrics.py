"""Prometheus metrics of every profile-import process.

Names are shared with the Grafana dashboard in `grafana/dashboards/`.
"""

from prometheus_client import Counter, Gauge, Histogram, start_http_server

LINES_READ = Counter("profile_import_lines_read", "Lines read from import files.")
RECORDS_PRODUCED = Counter(
    "profile_import_records_produced", "Records produced to the records topic."
)
LINE_ERRORS = Counter(
    "profile_import_line_errors", "Lines rejected, by reason.", ["reason"]
)
RECORDS_CONSUMED = Counter(
    "profile_import_records_consumed", "Records consumed by workers."
)
OUTCOMES = Counter(
    "profile_import_outcomes", "Records applied, by outcome.", ["outcome"]
)
BATCH_SIZE = Histogram(
    "profile_import_batch_size",
    "Records per consumed batch.",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
)
BATCH_WRITE_SECONDS = Histogram(
    "profile_import_batch_write_seconds",
    "Time to plan and write one batch.",
)
BATCHES_ABANDONED = Counter(
    "profile_import_batches_abandoned",
    "Batches given up because another worker wrote their profiles meanwhile.",
)
CONSUMER_LAG = Gauge(
    "profile_import_consumer_lag",
    "Records not yet consumed, by partition.",
    ["partition"],
)
JOBS = Gauge("profile_import_jobs", "Job reports, by status.", ["status"])


def serve_metrics(host: str, port: int) -> None:
    """Serve /metrics on the address; port 0 means the process exports nothing."""
    if port:
        start_http_server(port, addr=host)
