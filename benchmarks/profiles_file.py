"""Writing large, realistic import files for benchmarks."""

import json
import random
from pathlib import Path
from typing import Any

_GIVEN = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Radia", "Ken"]
_FAMILY = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Perlman"]


def profile_line(number: int, rng: random.Random) -> dict[str, Any]:
    """Return one profile, distinct per number, with the usual kinds of fields."""
    given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
    return {
        "email": f"{given.lower()}.{family.lower()}.{number}@example.com",
        "given_name": given,
        "family_name": family,
        "phone_number": f"+336{number % 100_000_000:08d}",
        "birthdate": f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-15",
        "locale": "fr-FR",
        "custom_fields": {
            "loyalty_points": rng.randint(0, 5000),
            "vip": number % 7 == 0,
        },
        "consents": {
            "newsletter": {
                "granted": True,
                "date": "2024-03-01T10:00:00Z",
                "consent_type": "opt-in",
            }
        },
        "addresses": [
            {
                "id": 1,
                "address_type": "delivery",
                "street_address": f"{number % 200} rue de la Paix",
                "locality": "Paris",
                "postal_code": "75002",
                "country": "FR",
            }
        ],
    }


def write_jsonl(path: Path, size_bytes: int, seed: int = 7) -> int:
    """Write profiles as JSONL until the file reaches `size_bytes`; return lines."""
    rng = random.Random(seed)
    written = lines = 0
    with path.open("w", encoding="utf-8") as out:
        while written < size_bytes:
            text = json.dumps(profile_line(lines, rng)) + "\n"
            out.write(text)
            written += len(text)
            lines += 1
    return lines
