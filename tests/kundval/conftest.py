"""Fixtures for the Kundval tests: the real OpenID provider for e-ID."""
from tests.oidc.provider import oidc_provider  # noqa: F401
