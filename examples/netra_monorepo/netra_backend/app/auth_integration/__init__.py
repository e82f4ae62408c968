"""The backend's only door into the auth service's JWT code."""
from netra_backend.app.auth_integration.jwt_ssot import JwtSsotIntegration, jwt_ssot

__all__ = ["JwtSsotIntegration", "jwt_ssot"]
