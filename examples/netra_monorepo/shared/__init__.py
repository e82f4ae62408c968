"""Code shared by every service in the Netra monorepo (config, logging, utils)."""
