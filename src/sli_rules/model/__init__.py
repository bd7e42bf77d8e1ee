"""Layer 1, the bottom: value types, dates, conditions, errors. Imports nothing above it."""
