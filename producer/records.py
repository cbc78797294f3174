"""Turning valid lines into import records."""

from typing import Any

from producer.lines import ValidLine
from producer.options import ImportOptions


def build_record(line: ValidLine, options: ImportOptions) -> dict[str, Any]:
    """Return the import record of a valid line, ready to encode."""
    return {
        "job_id": options.job_id,
        "line": line.number,
        "key": line.key,
        "mode": "FORCE" if options.force_update else "SAFE",
        "target": "LITE" if options.lite else "MANAGED",
        "sms_matching": options.sms_matching,
        "testing": options.testing,
        "deletions": list(line.deletions),
        "profile": line.fields,
    }
