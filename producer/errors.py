"""Errors that stop a whole file from being produced."""

from profile_import.errors import ProfileImportError


class SourceError(ProfileImportError):
    """The file cannot be read as a whole: missing, undecryptable, bad header."""
