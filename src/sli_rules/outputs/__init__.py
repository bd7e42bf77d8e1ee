"""Layer 5: the report and its formats, the plot, iCalendar, SQL and Parquet writers."""
