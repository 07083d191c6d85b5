"""Results: statistics and the data behind the results pages."""
