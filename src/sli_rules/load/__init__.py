"""Layer 2: safe YAML with positions, the ruleset loader, the event catalogue, the registry."""
