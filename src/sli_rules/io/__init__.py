"""Layer 4: event intake from JSON Lines, CSV, Parquet, SQL and DataFrames."""
