#!/usr/bin/env python
"""Django's command-line utility for tokenserver."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenserver.settings")
    from django.core.management import execute_from_command_line

    from tokenserver.envvars import ConfigError, startup_line

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        # One line naming the variable: the traceback said nothing more.
        sys.exit(startup_line(error))


if __name__ == "__main__":
    main()
