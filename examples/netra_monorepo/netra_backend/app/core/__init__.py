"""Backend plumbing: errors, the tiny HTTP model, configuration glue."""
