"""Token and credential primitives.

``JWTHandler`` is re-exported here for convenience; callers outside the auth
service should go through their own integration layer instead.
"""
from .jwt_handler import JWTHandler

__all__ = ["JWTHandler"]
