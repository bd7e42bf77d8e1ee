"""Layer 3: compiled plans, the session and its state, snapshots, matchers."""
