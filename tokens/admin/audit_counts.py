"""The audit log's page count: PostgreSQL's estimate above a threshold, exact below.

An exact COUNT(*) of a filtered year of events reads millions of rows; the
planner's estimate (EXPLAIN, no rows read) is good enough to number pages. A
list the estimate puts under the threshold is counted exactly.
"""

import json

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

EXACT_BELOW = 10_000


def estimated_rows(queryset) -> int | None:
    """The planner's row estimate for the queryset, None off PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing, e.g. pk__in=[]
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        estimate = estimated_rows(self.object_list)
        if estimate is not None and estimate >= EXACT_BELOW:
            return estimate
        return self.object_list.count()  # type: ignore[attr-defined]
