"""The system tests' recording app, for the plans of auto-assignment's queries."""

from tests.system.conftest import recorded

__all__ = ["recorded"]
