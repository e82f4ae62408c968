"""Netra authentication service: users, passwords, JWT issuing and validation."""
