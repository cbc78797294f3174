"""The root of the project's exceptions.

    ProfileImportError
    ├── producer.errors.SourceError        the file cannot be read as a whole
    ├── consumer.errors.ApplyError         a batch could not be applied
    └── profile_import.errors.ConfigurationError

`retriable` tells whether doing the same work again may succeed (a broker or
database that was briefly away) or will fail the same way (bad data).
"""


class ProfileImportError(Exception):
    """Base class of every error raised on purpose by this project."""

    retriable = False


class ConfigurationError(ProfileImportError):
    """Settings that cannot work, such as an unreachable server."""
