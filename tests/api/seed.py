"""Job reports and logs written straight to the database for the API tests."""

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from jobs.store import JobStore
from profile_import.database import JOBS, Document

BASE = datetime(2026, 1, 1, tzinfo=UTC)

# job id: (definition id, type, status, days after BASE)
JOBS_SEEDED: dict[str, tuple[str | None, str, str, int]] = {
    "job-a": ("def-1", "import", "SUCCESS", 0),
    "job-b": ("def-1", "import", "FAILURE", 1),
    "job-c": ("def-2", "import", "RUNNING", 2),
    "job-d": (None, "import", "WAITING", 3),
    "job-e": ("def-2", "export", "SUCCESS", 4),
}

LOGS_OF_JOB_B = [
    ("LOG", "job started on b.jsonl", None, None),
    ("ERROR", "line 2: not an email", 2, "email"),
    ("WARNING", "line 3: unknown locale", 3, "locale"),
    ("ERROR", 'line 4: "1990,02" is not a date', 4, "birthdate"),
]


async def seed_jobs(db: AsyncDatabase[Document]) -> None:
    """Store the seeded job reports, and the logs of job-b."""
    store = JobStore(db)
    for job_id, (definition_id, kind, status, days) in JOBS_SEEDED.items():
        created = BASE + timedelta(days=days)
        await store.create(job_id, f"{job_id}.jsonl", {}, created, definition_id)
        await db[JOBS].update_one(
            {"_id": job_id}, {"$set": {"type": kind, "status": status}}
        )
    for number, (level, content, line, field) in enumerate(LOGS_OF_JOB_B):
        entry = {
            "level": level,
            "content": content,
            "date": BASE + timedelta(days=1, seconds=number),
            "line": line,
            "field": field,
        }
        await store.add_log(f"job-b:{number}", "job-b", entry)
