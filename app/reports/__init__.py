"""The termly report for the scrutiny committee (page and PDF), from the dashboard's queries."""

from app.reports.services import termly_report

__all__ = ["termly_report"]
