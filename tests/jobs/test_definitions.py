from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from jobs.definitions import DefinitionCreate, job_options
from producer.options import FileFormat
from profile_import.errors import ConfigurationError


def test_job_options_carry_the_definition_and_read_the_password_file(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret\nignored\n", "utf-8")
    definition = DefinitionCreate.model_validate(
        {
            "name": "nightly",
            "format": "csv",
            "delimiter": ";",
            "encoding": "latin-1",
            "encryption": {"password_ref": str(secret), "iterations": 20_000},
            "options": {"force_update": True, "lite": True, "max_errors": 5},
        }
    )

    options, source = job_options(definition, "job-1")

    assert options.job_id == "job-1"
    assert (options.force_update, options.lite, options.sms_matching) == (
        True,
        True,
        False,
    )
    assert options.max_errors == 5
    assert source.format is FileFormat.CSV
    assert (source.delimiter, source.encoding, source.iterations) == (
        ";",
        "latin-1",
        20_000,
    )
    assert source.password is not None
    assert source.password.get_secret_value() == "s3cret"


def test_job_options_without_encryption_have_no_password() -> None:
    _options, source = job_options(DefinitionCreate(name="plain"), "job-1")
    assert source.password is None
    assert source.describe()["encrypted"] is False


def test_job_options_fail_when_the_password_file_is_missing(tmp_path: Path) -> None:
    definition = DefinitionCreate.model_validate(
        {"name": "x", "encryption": {"password_ref": str(tmp_path / "none")}}
    )
    with pytest.raises(ConfigurationError, match="cannot read the password file"):
        job_options(definition, "job-1")


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"name": ""},
        {"name": "x", "format": "xml"},
        {"name": "x", "delimiter": "::"},
        {"name": "x", "encoding": "klingon-8"},
        {"name": "x", "encryption": {"password": "s3cret"}},
        {"name": "x", "encryption": {"password_ref": "p", "iterations": 0}},
        {"name": "x", "options": {"max_errors": -1}},
        {"name": "x", "password": "s3cret"},
    ],
)
def test_definition_refuses_invalid_fields(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        DefinitionCreate.model_validate(fields)
