"""Manager dashboard: where every case is, what is late, whether the pathway works.

Read-only aggregate SQL over the projection tables (``queries``, ``outcomes``, ``maps``,
``statutory``); the pages are in ``routes``.  Importing the package connects the
``case_flags`` projection to ``app.cases.services.case_opened``.
"""

from app.dashboard.routes import bp

__all__ = ["bp"]
