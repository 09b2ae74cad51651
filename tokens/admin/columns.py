"""Change-list columns that stay narrow: long values clipped, whole on hover.

Identities (121 characters), rooms (128), devices (64) and IPv6 addresses
have no spaces to wrap at: shown whole, one long row pushes the audit log's
later columns off a 1280 px screen.
"""

from collections.abc import Callable

from django.contrib import admin
from django.utils.html import format_html


def clipped(field: str, *, description: str | None = None) -> Callable:
    """A column showing `field` clipped by CSS, its whole value in `title`.

    Named after the field, so the column keeps Django's `column-<field>` and
    `field-<field>` classes and sorts by the field.
    """

    @admin.display(description=description or field.replace("_", " "), ordering=field)
    def column(obj) -> str:
        value = getattr(obj, field)
        if value is None or value == "":
            return value  # Django's own rendering: "-" for None, blank for ""
        return format_html('<span class="clip" title="{}">{}</span>', value, value)

    column.__name__ = field
    return column
