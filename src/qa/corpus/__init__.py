"""Finding and reading corpus files, one reader per format, and cutting documents into chunks."""
