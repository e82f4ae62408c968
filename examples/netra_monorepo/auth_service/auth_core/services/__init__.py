"""Auth-service use cases built on the core primitives."""
