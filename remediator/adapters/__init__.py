"""Adapters to the outside world: files, parsers, git, configuration files, grimp."""
