"""Core building blocks of the auth service."""
