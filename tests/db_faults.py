"""A database that fails on purpose: every query (or those chosen) raises
the driver's OperationalError, as when PostgreSQL drops the connection.

Used by tests/cross/test_faults.py (clean 503s everywhere) and by the wing
files whose module answers a database failure in its own way (the Twilio
webhook, the worker's wake).
"""

from contextlib import contextmanager

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

# What the simulated driver says: it must never reach a client.
DRIVER_MESSAGE = "simulated outage: server closed the connection unexpectedly"


@contextmanager
def database_failing(only=lambda sql: True):
    """Inside the block, every query for which `only(sql)` holds raises."""
    execute = CursorWrapper.execute
    executemany = CursorWrapper.executemany

    def failing_execute(self, sql, params=None):
        if only(sql):
            raise OperationalError(DRIVER_MESSAGE)
        return execute(self, sql, params)

    def failing_executemany(self, sql, param_list):
        if only(sql):
            raise OperationalError(DRIVER_MESSAGE)
        return executemany(self, sql, param_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", failing_execute)
        patch.setattr(CursorWrapper, "executemany", failing_executemany)
        yield


@contextmanager
def database_slow(seconds: float):
    """Inside the block (PostgreSQL only), every statement but SET/set_config
    first sleeps `seconds` in the server, as a database stalled by locks or
    load: pg_sleep is cancelled by a statement_timeout like any query."""
    execute = CursorWrapper.execute

    def slow_execute(self, sql, params=None):
        if "set_config" not in sql and not sql.lstrip().upper().startswith("SET"):
            execute(self, "SELECT pg_sleep(%s)", [seconds])
        return execute(self, sql, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", slow_execute)
        yield
