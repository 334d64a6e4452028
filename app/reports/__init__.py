"""The termly report for the scrutiny committee (page and PDF), from the dashboard's queries."""
