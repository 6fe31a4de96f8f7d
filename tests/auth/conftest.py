"""Fixtures for the sign-in tests: the real OpenID provider for staff SSO."""
from tests.oidc.provider import oidc_provider  # noqa: F401
