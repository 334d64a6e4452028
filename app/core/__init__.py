"""Cross-cutting infrastructure: database, unit of work, errors, time."""
