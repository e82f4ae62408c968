"""Netra backend: HTTP API, websocket gateway and domain services."""
