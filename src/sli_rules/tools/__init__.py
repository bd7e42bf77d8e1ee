"""Layer 7: explain, diff, docs, schema, scenarios, incremental runs."""
