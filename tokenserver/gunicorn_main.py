"""gunicorn's command line, with WEB_CONCURRENCY checked before gunicorn sees it.

    python -m tokenserver.gunicorn_main -c gunicorn.conf.py

gunicorn reads WEB_CONCURRENCY with int() as it is imported, before any
configuration file: "abc" (or an empty value) was a ValueError traceback
from inside gunicorn, naming no variable. scripts/serve and the Dockerfile
start gunicorn this way; gunicorn.conf.py checks the other variables.
"""

import os
import sys

WORKERS = "WEB_CONCURRENCY"


def check_workers() -> None:
    """Exit with one line if WEB_CONCURRENCY is set but not a worker count."""
    text = os.environ.get(WORKERS, "").strip()
    if not text:
        # Empty means the default, as for every variable: gunicorn.conf.py's.
        os.environ.pop(WORKERS, None)
        return
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        sys.exit(
            f"configuration error: {WORKERS} must be a whole number of at "
            "least 1 (worker processes; digits only)."
        )


def main() -> None:
    check_workers()
    from gunicorn.app.wsgiapp import run

    sys.argv[0] = "gunicorn"
    run()


if __name__ == "__main__":
    main()
