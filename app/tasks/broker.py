"""Housekeeping of the embedded broker (kombu's SQLAlchemy transport on SQLite).

kombu marks a delivered message ``visible = 0`` and never deletes it, so the broker file would
grow with every task ever run.  A beat job deletes those rows.  Nothing else uses them: a message
is held in the worker's memory from delivery until it is acknowledged.
"""

from __future__ import annotations

from celery import shared_task
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.tasks import AppTask

#: kombu's default table name (the app does not change it)
MESSAGE_TABLE = "kombu_message"


def purge_delivered(broker_url: str) -> int:
    """Delete delivered (invisible) messages of a SQLAlchemy broker; the number deleted."""
    if not broker_url.startswith(("sqla+", "sqlalchemy+")):
        return 0
    engine = create_engine(broker_url.split("+", 1)[1], connect_args={"timeout": 30})
    try:
        with engine.begin() as connection:
            result = connection.execute(text(f"DELETE FROM {MESSAGE_TABLE} WHERE NOT visible"))
            return int(result.rowcount or 0)
    except SQLAlchemyError:  # no table yet: nothing was ever queued
        return 0
    finally:
        engine.dispose()


@shared_task(name="worker.purge_delivered_messages", base=AppTask, bind=True, time_limit=120)
def purge_delivered_messages(self: AppTask) -> int:
    """Delete the embedded broker's delivered messages."""
    return purge_delivered(self.app.conf.broker_url)
