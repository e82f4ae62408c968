"""Use cases: scan (and, later, fix). They combine the model, the rules and the adapters."""
