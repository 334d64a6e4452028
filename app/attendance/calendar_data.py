"""The council's default term dates and the England bank holidays (data, not code).

Open ranges are half-terms (first and last open day, inclusive); the gaps between them are the
holidays.  2026/27 and 2027/28 are the current and next academic years; 2025/26 is kept so that
rolling 10-school-week windows early in 2026/27 reach back over the summer holiday correctly.
Schools with their own term dates load them per URN (``school_terms.urn``).
"""

from __future__ import annotations

from datetime import date

D = date.fromisoformat

#: (name, first open day, last open day)
COUNCIL_TERMS: tuple[tuple[str, date, date], ...] = (
    ("Autumn 1 2025", D("2025-09-03"), D("2025-10-24")),
    ("Autumn 2 2025", D("2025-11-03"), D("2025-12-19")),
    ("Spring 1 2026", D("2026-01-05"), D("2026-02-13")),
    ("Spring 2 2026", D("2026-02-23"), D("2026-03-27")),
    ("Summer 1 2026", D("2026-04-13"), D("2026-05-22")),
    ("Summer 2 2026", D("2026-06-01"), D("2026-07-22")),
    ("Autumn 1 2026", D("2026-09-03"), D("2026-10-23")),
    ("Autumn 2 2026", D("2026-11-02"), D("2026-12-18")),
    ("Spring 1 2027", D("2027-01-04"), D("2027-02-12")),
    ("Spring 2 2027", D("2027-02-22"), D("2027-03-25")),
    ("Summer 1 2027", D("2027-04-12"), D("2027-05-28")),
    ("Summer 2 2027", D("2027-06-07"), D("2027-07-21")),
    ("Autumn 1 2027", D("2027-09-02"), D("2027-10-22")),
    ("Autumn 2 2027", D("2027-11-01"), D("2027-12-17")),
    ("Spring 1 2028", D("2028-01-04"), D("2028-02-11")),
    ("Spring 2 2028", D("2028-02-21"), D("2028-04-07")),
    ("Summer 1 2028", D("2028-04-24"), D("2028-05-26")),
    ("Summer 2 2028", D("2028-06-05"), D("2028-07-20")),
)

#: England and Wales bank holidays (substitute days where the day falls at a weekend)
BANK_HOLIDAYS: tuple[tuple[str, date], ...] = (
    ("Summer bank holiday", D("2025-08-25")),
    ("Christmas Day", D("2025-12-25")),
    ("Boxing Day", D("2025-12-26")),
    ("New Year's Day", D("2026-01-01")),
    ("Good Friday", D("2026-04-03")),
    ("Easter Monday", D("2026-04-06")),
    ("Early May bank holiday", D("2026-05-04")),
    ("Spring bank holiday", D("2026-05-25")),
    ("Summer bank holiday", D("2026-08-31")),
    ("Christmas Day", D("2026-12-25")),
    ("Boxing Day (substitute day)", D("2026-12-28")),
    ("New Year's Day", D("2027-01-01")),
    ("Good Friday", D("2027-03-26")),
    ("Easter Monday", D("2027-03-29")),
    ("Early May bank holiday", D("2027-05-03")),
    ("Spring bank holiday", D("2027-05-31")),
    ("Summer bank holiday", D("2027-08-30")),
    ("Christmas Day (substitute day)", D("2027-12-27")),
    ("Boxing Day (substitute day)", D("2027-12-28")),
    ("New Year's Day (substitute day)", D("2028-01-03")),
    ("Good Friday", D("2028-04-14")),
    ("Easter Monday", D("2028-04-17")),
    ("Early May bank holiday", D("2028-05-01")),
    ("Spring bank holiday", D("2028-05-29")),
    ("Summer bank holiday", D("2028-08-28")),
)
