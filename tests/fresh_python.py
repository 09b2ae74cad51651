"""`python -c CODE` and `python SCRIPT` in a fresh process, fast: a fork of a warm
interpreter instead of a cold start.

A cold `python -c "import tokenserver.settings"` spends ~0.25 s of CPU
importing Django, django-environ, redis and psycopg, and one that calls
`django.setup()` ~1 s; the settings tests start hundreds of them. Here one
interpreter per test process imports those libraries once (never our own
code, never Django's settings), then forks a child for each run: the child
sets the run's environment, runs the code as `python` would and exits, so a
run sees nothing of another run.

Safe because the imports done before the fork read nothing a run may change:
the warm interpreter records every environment variable read while it
imports and refuses to fork a run whose value of one of them differs (and
any run whose interpreter-start variables, PYTHON*, LANG, LC_*, differ), and
it fails if an import touches Django's settings. Refused runs are cold
starts (`subprocess.run`), as is every run when TESTS_FRESH_PYTHON=cold.
"""

import atexit
import contextlib
import json
import locale
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import warnings
from pathlib import Path

# Libraries the settings, manage.py and django.setup() import, that import
# without settings; what each run imports beyond these it imports itself.
WARM_IMPORTS = [
    "django",
    "django.conf",
    "django.core.management",
    "django.core.checks",
    "django.db.models",
    "django.http",
    "django.urls",
    "django.forms",
    "django.template",
    "django.contrib.postgres.fields",
    "environ",
    "redis",
    "redis.connection",
    "psycopg",
    "django.contrib.admin",
    "django.contrib.auth.hashers",
    "rest_framework.serializers",
    "jwt",
    "twilio.jwt.access_token",
    "twilio.rest",
]


def _startup_variables(env: dict[str, str]) -> dict[str, str]:
    """The variables an interpreter reads when it starts, before any code."""
    return {
        name: value
        for name, value in env.items()
        if name.startswith(("PYTHON", "LC_")) or name == "LANG"
    }


# --- the warm interpreter (runs in its own process) --------------------------


def _warm_up() -> set[str]:
    """Import WARM_IMPORTS; the environment variables read while doing so."""
    read: set[str] = set()
    environ_class = type(os.environ)
    getitem, contains = environ_class.__getitem__, environ_class.__contains__

    def recording_getitem(self, key):
        read.add(key)
        return getitem(self, key)

    def recording_contains(self, key):
        read.add(key)
        return contains(self, key)

    import django.conf

    importing = ""

    def no_settings(self, name=None):
        raise RuntimeError(f"importing {importing} read Django's setting {name}")

    real_setup = django.conf.LazySettings._setup
    environ_class.__getitem__ = recording_getitem
    environ_class.__contains__ = recording_contains
    django.conf.LazySettings._setup = no_settings
    try:
        for importing in WARM_IMPORTS:
            __import__(importing)
    finally:
        environ_class.__getitem__, environ_class.__contains__ = getitem, contains
        django.conf.LazySettings._setup = real_setup
    return read


def _exit_code(exc: BaseException) -> int:
    """What `python` exits with for an exception that ended the program."""
    if isinstance(exc, SystemExit):
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code & 0xFF
        print(exc.code, file=sys.stderr)
        return 1
    # The traceback from the program's first frame: this module's is no part of it.
    exc = exc.with_traceback(exc.__traceback__.tb_next)
    sys.excepthook(type(exc), exc, exc.__traceback__)
    return 1


def _child(args: list[str], env: dict[str, str], files: dict[str, str]) -> None:
    """Become `python *args` with `env`, output to `files`; never returns."""
    import builtins
    import types

    code = 1
    try:
        os.dup2(os.open(files["stdin"], os.O_RDONLY), 0)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            os.dup2(os.open(files[name], os.O_WRONLY | os.O_TRUNC), fd)
        os.environ.clear()
        os.environ.update(env)
        main = types.ModuleType("__main__")
        main.__builtins__ = builtins  # type: ignore[attr-defined]
        if args[0] == "-c":
            sys.argv = ["-c", *args[2:]]
            sys.path[0] = ""
            source, filename = args[1], "<string>"
        else:
            sys.argv = list(args)
            sys.path[0] = str(Path(args[0]).resolve().parent)
            source, filename = Path(args[0]).read_bytes(), args[0]
            main.__file__ = args[0]
        sys.modules["__main__"] = main
        try:
            exec(compile(source, filename, "exec"), main.__dict__)  # noqa: S102
            code = 0
        except BaseException as exc:
            code = _exit_code(exc)
        threading._shutdown()  # type: ignore[attr-defined]  (wait, as at exit)
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed stream: as python
                stream.flush()
    finally:
        os._exit(code)


def _wait(pid: int, timeout: float) -> int | None:
    """The child's exit code, or None (and the child killed) after `timeout`."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        if not ready:
            os.kill(pid, signal.SIGKILL)
        status = os.waitpid(pid, 0)[1]
    finally:
        os.close(pidfd)
    return os.waitstatus_to_exitcode(status) if ready else None


def serve() -> None:
    """Answer runs, one JSON line each way, over stdin and stdout."""
    # The protocol on private descriptors: a child's stdin and stdout are its own.
    requests = os.fdopen(os.dup(0), "r")
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    try:
        read = _warm_up()
    except Exception as exc:
        answers.write(json.dumps({"refused": repr(exc)}) + "\n")
        return
    answers.write(json.dumps({"read": sorted(read)}) + "\n")
    for line in requests:
        run = json.loads(line)
        pid = os.fork()
        if pid == 0:
            requests.close()
            answers.close()
            _child(run["args"], run["env"], run["files"])
        answers.write(json.dumps({"returncode": _wait(pid, run["timeout"])}) + "\n")


# --- the client (in the test process) ----------------------------------------


class WarmPython:
    """One warm interpreter, started at the first run, ended with the process."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.env = env
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from tests.fresh_python import serve; serve()"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        hello = json.loads(self.process.stdout.readline() or '{"refused": "died"}')
        self.refused = hello.get("refused")
        self.read = set(hello.get("read", ()))
        atexit.register(self.close)

    def can_run(self, args: tuple[str, ...], env: dict[str, str]) -> bool:
        if self.refused or self.process.poll() is not None or not args:
            return False
        code = args[0] == "-c" and len(args) >= 2
        script = not args[0].startswith("-")
        if not (code or script):  # -m, -X and other options: a cold start
            return False
        if _startup_variables(env) != _startup_variables(self.env):
            return False
        return all(env.get(name) == self.env.get(name) for name in self.read)

    def run(
        self,
        args: tuple[str, ...],
        env: dict[str, str],
        stdin: str | None,
        timeout: float,
    ) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory(prefix="fresh-python-") as tmp:
            files = {
                name: str(Path(tmp) / name) for name in ("stdin", "stdout", "stderr")
            }
            for name, path in files.items():
                Path(path).write_text((stdin or "") if name == "stdin" else "")
            request = {
                "args": list(args),
                "env": env,
                "files": files,
                "timeout": timeout,
            }
            with self.lock:
                self.process.stdin.write(json.dumps(request) + "\n")
                self.process.stdin.flush()
                answer = self.process.stdout.readline()
            if not answer:
                raise RuntimeError("the warm interpreter of tests/fresh_python.py died")
            returncode = json.loads(answer)["returncode"]
            stdout, stderr = (
                _as_text(Path(files[name]).read_bytes())
                for name in ("stdout", "stderr")
            )
        command = [sys.executable, *args]
        if returncode is None:
            raise subprocess.TimeoutExpired(command, timeout, stdout, stderr)
        return subprocess.CompletedProcess(command, returncode, stdout, stderr)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=10)


def _as_text(data: bytes) -> str:
    """Output decoded as subprocess.run(text=True) decodes it."""
    text = data.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")


# One warm interpreter per set of interpreter-start variables, per test process.
_warm: dict[tuple, WarmPython] = {}


def run(
    args: tuple[str, ...],
    *,
    cwd: Path,
    env: dict[str, str],
    base_env: dict[str, str],
    stdin: str | None,
    timeout: float,
) -> subprocess.CompletedProcess:
    """`python *args` in `cwd`: forked from a warm interpreter (started with
    `base_env` and the run's PYTHON*, LANG and LC_* variables) when that is the
    same as a cold start, else a cold start."""
    if os.environ.get("TESTS_FRESH_PYTHON") != "cold" and hasattr(os, "pidfd_open"):
        startup = _startup_variables(env)
        key = tuple(sorted(startup.items()))
        if key not in _warm:
            warm_env = {**base_env, **startup}
            for name in set(_startup_variables(base_env)) - set(startup):
                del warm_env[name]
            _warm[key] = WarmPython(cwd, warm_env)
            if _warm[key].refused:
                warnings.warn(
                    f"tests/fresh_python.py: cold starts ({_warm[key].refused})",
                    stacklevel=2,
                )
        if _warm[key].can_run(args, env):
            return _warm[key].run(args, env, stdin, timeout)
    return subprocess.run(  # noqa: S603  (our interpreter, our arguments)
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
