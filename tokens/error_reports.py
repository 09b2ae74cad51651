"""What Django's error reports (the DEBUG page, mails to ADMINS) may show."""

import re

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class SecretsFilter(SafeExceptionReporterFilter):
    """Django's filter, also hiding connection URLs and cache locations.

    Django hides settings and request.META entries whose names contain KEY,
    SECRET, PASS, TOKEN...; `DATABASE_URL`, `REDIS_URL` and a Redis cache's
    `LOCATION` carry passwords too (runserver copies the environment into
    request.META). Hiding every URL also hides harmless ones (`STATIC_URL`):
    a report is not where those are looked up.
    """

    hidden_settings = re.compile(
        SafeExceptionReporterFilter.hidden_settings.pattern + "|URL|LOCATION|DSN",
        flags=re.IGNORECASE,
    )

    def is_active(self, request: HttpRequest | None) -> bool:
        # Django applies sensitive_variables and sensitive_post_parameters
        # only with DEBUG off; a DEBUG page gets pasted into chats and issues.
        return True
