"""Websocket gateway: connection registry, authentication and message routing."""
