"""Backend domain services. Import submodules explicitly; nothing is re-exported here."""
