"""Service-task operators that read or write the application's own records.

``service_tasks/`` holds pure functions (no database).  The operators here are the thin,
database-backed wrappers diagrams call through the same registry: they read session marks, term
dates and penalty-notice history in the case's unit of work and hand plain data to the pure
functions.  CONTRACT: operator names, keyword parameters and result keys below are what the
diagrams in ``bpmn/`` rely on; change them only together with the diagrams.

| operator | parameters | result keys |
|---|---|---|
| ``attendance.figures`` | upn, urn, date_from, date_to | has_marks, possible, present, attendance_pct, authorised, unauthorised, unauthorised_by_code{G,N,O,U}, late_before_close, late_after_close, date_from, date_to |
| ``attendance.national_threshold`` | upn, urn, as_of | unauthorised_sessions, window_start, window_end, school_weeks |
| ``penalty.history`` | upn, parent_name, as_of | prior_notices (non-withdrawn, last 3 years), notices[] |
| ``penalty.issue`` | case_reference, upn, parent_name, issued_on, amount | notice_id, notice_reference |
| ``penalty.update`` | notice_id, status (paid, unpaid, withdrawn) | notice_id, status |
| ``calendar.add_school_days`` | urn, start, days | date, due_at (ISO datetime, 09:00 UTC) |
| ``calendar.add_school_weeks`` | urn, start, weeks | date, due_at |
| ``letters.generate`` | template, case_reference, recipients (list of names), data (dict) | documents[{id, template, recipient}] |
"""
