"""Layer 6: the library's entry points (compile, open a session, evaluate)."""
