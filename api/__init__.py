"""The Management API: job definitions, jobs, their reports and logs over HTTP."""

from api.app import create_app

__all__ = ["create_app"]
