"""Peak resident memory of the producer streaming a large JSONL file into Kafka.

    .venv/bin/python -m benchmarks.producer_memory [--size-mb 1024] [--keep FILE]

Writes a file of the given size, then produces it in a child process (real
Kafka from `scripts/services up`, throwaway topics) and prints lines, time,
throughput and the child's peak resident memory (VmHWM) against the 250 MB
limit. The file is read, validated and produced a line at a time, so the peak
should not depend on the file's size: compare `--size-mb 100` with 1024.
"""

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.profiles_file import write_jsonl

LIMIT_MB = 250


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (Linux VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def produce(path: Path) -> None:
    """Child side: produce the file as one job to throwaway topics."""
    from jobs.events import JobEventSender
    from producer.file_producer import FileProducer
    from producer.kafka_output import RecordOutput
    from producer.options import ImportOptions, SourceOptions
    from profile_import.kafka import create_producer, ensure_topics
    from profile_import.settings import Settings

    suffix = uuid.uuid4().hex[:8]
    settings = Settings(
        records_topic=f"bench-records-{suffix}",
        logs_topic=f"bench-logs-{suffix}",
        dlq_topic=f"bench-dlq-{suffix}",
    )
    ensure_topics(settings)
    producer = create_producer(settings)
    options = ImportOptions(job_id=f"bench-{suffix}")
    output = RecordOutput(producer, settings.records_topic)
    events = JobEventSender(producer, settings.logs_topic)
    started = time.perf_counter()
    summary = FileProducer(output, events, options).produce(path, SourceOptions())
    elapsed = time.perf_counter() - started
    print(f"{summary.records_produced} {elapsed:.3f} {peak_rss_mb():.1f}")


def measure(path: Path) -> None:
    """Parent side: run the child and print its figures."""
    size_mb = path.stat().st_size / 1e6
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.producer_memory", "--produce", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    records, seconds, peak = child.stdout.split()
    rate = int(records) / float(seconds)
    print(f"file           {size_mb:10.1f} MB")
    print(f"records        {int(records):10d}")
    print(f"time           {float(seconds):10.1f} s  ({rate:,.0f} lines/s)")
    print(
        f"peak RSS       {float(peak):10.1f} MB  (limit {LIMIT_MB} MB, "
        f"{float(peak) / LIMIT_MB:.0%} of it)"
    )
    if float(peak) >= LIMIT_MB:
        sys.exit(f"peak RSS {peak} MB is over the {LIMIT_MB} MB limit")


def main() -> None:
    """Parse arguments and run the measurement (or the child side)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="write (or reuse) the file here")
    parser.add_argument("--produce", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.produce:
        produce(arguments.produce)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = arguments.keep or Path(folder) / "profiles.jsonl"
        if not path.exists():
            lines = write_jsonl(path, arguments.size_mb * 1_000_000)
            print(f"wrote {lines} lines to {path}")
        measure(path)


if __name__ == "__main__":
    main()
