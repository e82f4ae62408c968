"""Canonical (single source of truth) test doubles and helpers."""
