"""Seed a year of token events into the audit log, fast, on PostgreSQL.

Used by bench/audit_scale.py on a migrated database of its own. 1,000 users
(identities `audit_user_0000`..), 100 rooms (`audit-room-000`..), N events in
time order over the year before now (as the log is written: the heap follows
`created_at`), 85 % issued with a grant mix and a SHA-256 per JWT, the rest
refusals. The rows are made by PostgreSQL itself (INSERT ... SELECT over
generate_series: no row crosses the wire, which is faster here than COPY from
Python), with the table's indexes dropped during the load and built after,
in chunks of a million rows a transaction.
"""

import time

import psycopg

USERS = 1000
ROOMS = 100
CHUNK = 1_000_000
PASSWORD_HASH = "!"  # noqa: S105  unusable: the audit users never log in

EVENTS = """
INSERT INTO tokens_tokenevent (id, created_at, user_id, identity, outcome,
    grants, room, device, ttl, expires_at, client_ip, user_agent, jwt_sha256)
SELECT gen_random_uuid(), e.at, u.id, u.identity, e.outcome,
    CASE WHEN e.outcome = 'issued' THEN (ARRAY['video,chat', 'video', 'chat',
        'voice', 'chat,sync', 'video,voice,chat,sync'])[1 + (e.i %% 6)]
        ELSE (ARRAY['video', '', 'chat'])[1 + (e.i %% 3)] END,
    CASE WHEN e.i %% 5 = 0 THEN '' ELSE 'audit-room-' || lpad((e.i * 31 %% %(rooms)s)::text, 3, '0') END,
    (ARRAY['', 'ios', 'android', 'web'])[1 + (e.i %% 4)],
    CASE WHEN e.outcome = 'issued' THEN 3600 END,
    CASE WHEN e.outcome = 'issued' THEN e.at + interval '1 hour' END,
    ('10.' || (e.i %% 250) || '.' || (e.i / 250 %% 250) || '.1')::inet,
    'bench-client/1.0',
    CASE WHEN e.outcome = 'issued' THEN encode(sha256(e.i::text::bytea), 'hex') ELSE '' END
FROM (
    SELECT i,
        %(start)s::timestamptz + (i - 1) * %(step)s::interval AS at,
        CASE WHEN i %% 20 = 1 THEN 'room_not_permitted' WHEN i %% 20 = 2 THEN 'no_grants'
             WHEN i %% 20 = 3 THEN 'throttled' ELSE 'issued' END AS outcome
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
) AS e
JOIN audit_bench_users AS u ON u.n = (e.i * 7919) %% %(users)s
"""  # noqa: E501


def jwt_hash(i: int) -> str:
    """The SHA-256 the seed gives event number `i` (issued ones only)."""
    import hashlib

    return hashlib.sha256(str(i).encode()).hexdigest()


def seed(dsn: str, rows: int, say=print) -> dict:
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE tokens_tokenevent")
        users = ensure_users(conn)
        dropped = drop_indexes(conn)
        now = conn.execute("SELECT date_trunc('second', now())").fetchone()[0]
        from datetime import timedelta

        start = now - timedelta(days=365)
        step = timedelta(days=365) / max(rows, 1)
        for first in range(1, rows + 1, CHUNK):
            last = min(rows, first + CHUNK - 1)
            with conn.transaction():
                conn.execute(
                    "SET LOCAL session_replication_role = replica"
                )  # no FK trigger a row
                conn.execute(
                    EVENTS,
                    {
                        "start": start,
                        "step": step,
                        "first": first,
                        "last": last,
                        "users": USERS,
                        "rooms": ROOMS,
                    },
                )
            say(f"  {last:,} events ({time.monotonic() - started:.0f} s)")
        for statement in dropped:
            conn.execute(statement)
        say(f"  indexes rebuilt ({time.monotonic() - started:.0f} s)")
        conn.execute("VACUUM ANALYZE tokens_tokenevent")
    return {
        "events": rows,
        "users": users,
        "seconds": round(time.monotonic() - started, 1),
    }


def ensure_users(conn) -> int:
    conn.execute(
        """
        INSERT INTO tokens_user (password, is_superuser, username, first_name,
            last_name, email, is_staff, is_active, date_joined, twilio_identity)
        SELECT %s, false, 'audit_user_' || lpad(n::text, 4, '0'), '', '', '',
            false, true, now(), 'audit_user_' || lpad(n::text, 4, '0')
        FROM generate_series(0, %s) AS n
        ON CONFLICT (username) DO NOTHING
        """,
        (PASSWORD_HASH, USERS - 1),
    )
    conn.execute("DROP TABLE IF EXISTS audit_bench_users")
    conn.execute(
        """
        CREATE TABLE audit_bench_users AS
        SELECT substr(username, 12)::int AS n, id, twilio_identity AS identity
        FROM tokens_user WHERE username LIKE 'audit\\_user\\_%%'
        """
    )
    return conn.execute("SELECT count(*) FROM audit_bench_users").fetchone()[0]


def drop_indexes(conn) -> list[str]:
    """Drop the audit table's indexes and key; the statements that remake them."""
    remake = []
    for name, definition in conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tokens_tokenevent'"  # noqa: E501
    ).fetchall():
        constraint = conn.execute(
            "SELECT conname FROM pg_constraint WHERE conindid = %s::regclass",
            (name,),
        ).fetchone()
        if constraint:
            conn.execute(f'ALTER TABLE tokens_tokenevent DROP CONSTRAINT "{name}"')
            remake.append(
                f'ALTER TABLE tokens_tokenevent ADD CONSTRAINT "{name}" PRIMARY KEY (id)'  # noqa: E501
            )
        else:
            conn.execute(f'DROP INDEX "{name}"')
            remake.append(definition)
    return remake


if __name__ == "__main__":
    raise SystemExit("Run bench/audit_scale.py")
