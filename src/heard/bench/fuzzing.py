"""schemathesis against the team app's API, every check on, as admin, lead, agent and anonymous
(issue 18: bad strings, long ids and edge dates answered 500, mostly on PostgreSQL).

The app runs in this process on a real store (SQLite file or a fresh PostgreSQL database)
seeded with the demo team: two teams, their leads and agents, analysed conversations, coaching
notes and survey answers, so ids in paths sometimes hit real rows. Every operation of
/openapi.json gets `cases` generated cases per role, half valid by the schema and half not;
each answer goes through every schemathesis check. A server error is any 5xx or an exception
out of the app; the other checks' failures (a stricter rule than the schema says, a status the
schema does not list) are counted by check and operation, as findings to read.

A fuzzed admin may revoke the tokens or demote the users the fuzzer itself calls with; before
each case the caller's credentials are checked and, when the fuzz took them away, made again,
so every role keeps calling as that role."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heard.bench.machine import machine

ROLES = ("admin", "lead", "agent", "anonymous")
"""Who calls, in the order they are fuzzed."""

Advance = Callable[[str, str], None]
"""Called with (role, operation) after each operation's cases."""

EXAMPLES = 3
"""Distinct failures of each kind kept with an example."""


@dataclass
class RoleFound:
    """What one role's fuzz found."""

    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[dict[str, str]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    """Failed checks by name (a case may fail several)."""
    distinct: dict[tuple[str, str], str] = field(default_factory=dict)
    """(check, operation) → the first failure's message."""
    credentials_remade: int = 0
    operations: set[str] = field(default_factory=set)
    """Operations called at least once."""
    accepted: set[str] = field(default_factory=set)
    """Operations that answered 2xx at least once."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": len(self.server_errors),
            "server_error_examples": self.server_errors[:EXAMPLES],
            "failures": dict(sorted(self.failures.items())),
            "distinct_failures": len(self.distinct),
            "distinct_examples": [
                {"check": check, "operation": operation, "message": message}
                for (check, operation), message in sorted(self.distinct.items())
            ],
            "credentials_remade": self.credentials_remade,
            "operations": sorted(self.operations),
            "accepted": sorted(self.accepted),
        }


class Callers:
    """A bearer token per role, remade when a fuzzed admin call took the old one away."""

    def __init__(self, store: Any, site: Any) -> None:
        from heard.store import UserRole

        self.store = store
        self.tokens: dict[str, str] = {}
        self.expected = {
            "admin": UserRole.ADMIN,
            "lead": UserRole.LEAD,
            "agent": UserRole.AGENT,
        }
        self.emails = {role: site.first(self.expected[role]).email for role in self.expected}
        self.remade: Counter[str] = Counter()
        for role in self.expected:
            self._make(role)

    def _make(self, role: str) -> None:
        from heard.store import Scope, Viewer, accounts, api_tokens

        user = accounts.user_by_email(self.store, self.emails[role])
        if not user.active:
            accounts.set_active(self.store, user.id, active=True)
        if user.role != self.expected[role] or (role == "lead" and not user.team_ids):
            # Demoted or stripped of teams by a fuzzed call: a fresh user of the same kind.
            email = f"fuzz.{role}.{sum(self.remade.values())}@example.com"  # one per remake
            teams = [t.name for t in self.store.list_teams(Viewer.system())][:1]
            agent = None
            if role == "agent":
                agent = next(iter(self.store.list_agents(Viewer.system()))).external_id
            user = accounts.create_user(
                self.store,
                email,
                role=self.expected[role],
                teams=teams if role == "lead" else None,
                agent_external_id=agent,
            )
            self.emails[role] = email
        scopes = [Scope.READ, Scope.WRITE] + ([Scope.ADMIN] if role == "admin" else [])
        _, self.tokens[role] = api_tokens.create_token(
            self.store, user.id, scopes=scopes, name="fuzz"
        )

    def token(self, role: str) -> str:
        """The token `role` calls with, made again if it stopped working as that role."""
        from heard.store import api_tokens

        found = api_tokens.verify_token(self.store, self.tokens[role])
        if (
            found is None
            or found[0].role != self.expected[role]
            or (role == "lead" and not found[0].team_ids)
        ):
            self.remade[role] += 1
            self._make(role)
        return self.tokens[role]

    def provider(self, role: str) -> type:
        """A schemathesis auth provider sending `role`'s token on every case (so the checks
        know the credentials are real, and never send a made-up token instead)."""
        callers = self

        class Bearer:
            def get(self, case: Any, context: Any) -> str:
                return callers.token(role)

            def set(self, case: Any, data: str, context: Any) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

        return Bearer


def every_check() -> list[Any]:
    """Every check function schemathesis has (its stateful check classes need a run's state
    and are left to its own runner)."""
    from schemathesis.checks import CHECKS, is_check_class, load_all_checks

    load_all_checks()
    return [check for check in CHECKS.get_all() if not is_check_class(check)]


def _fuzz_operation(
    operation: Any,
    found: RoleFound,
    *,
    cases: int,
    seed: int,
    checks: list[Any],
) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.failures import Failure, FailureGroup

    label = f"{operation.method.upper()} {operation.path}"
    for mode, count in (
        (GenerationMode.POSITIVE, cases - cases // 2),
        (GenerationMode.NEGATIVE, cases // 2),
    ):
        if count == 0:
            continue

        @hypothesis_seed(seed)
        @settings(
            max_examples=count,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            found.cases += 1
            found.operations.add(label)
            try:
                response = case.call()
            except Exception as exc:  # an exception out of the app is a server error
                found.server_errors.append({"operation": label, "error": repr(exc)[:300]})
                return
            found.statuses[response.status_code] += 1
            if 200 <= response.status_code < 300:
                found.accepted.add(label)
            if response.status_code >= 500:
                found.server_errors.append(
                    {
                        "operation": label,
                        "status": str(response.status_code),
                        "body": response.text[:300],
                    }
                )
            try:
                case.validate_response(response, checks=checks)
            except FailureGroup as group:
                for failure in group.exceptions:
                    _note(found, label, failure)
            except Failure as failure:
                _note(found, label, failure)

        try:
            run()
        except Unsatisfiable:
            pass  # no invalid request exists for an operation without parameters or body
        except Exception as exc:  # the strategy itself could not generate: say so, go on
            found.distinct.setdefault(("generation", label), repr(exc)[:300])


def _note(found: RoleFound, label: str, failure: Any) -> None:
    name = failure.title or type(failure).__name__
    found.failures[name] += 1
    found.distinct.setdefault((name, label), " ".join(str(failure.message).split())[:300])


@contextlib.contextmanager
def _database(database_url: str | None) -> Iterator[str]:
    """A fresh database: a SQLite file when None, else a new database on the PostgreSQL
    server `database_url` names (dropped afterwards); a sqlite:/// URL is used as given."""
    from sqlalchemy.engine import make_url

    from heard.bench.writers import fresh_postgres

    if database_url is None:
        with tempfile.TemporaryDirectory(prefix="heard-bench-fuzz-") as scratch:
            yield f"sqlite:///{Path(scratch) / 'fuzz.db'}"
    elif make_url(database_url).get_backend_name() == "postgresql":
        with fresh_postgres(database_url) as url:
            yield url
    else:
        yield database_url


def bench_fuzz(
    *,
    database_url: str | None = None,
    cases: int = 60,
    roles: tuple[str, ...] = ROLES,
    seed: int = 18,
    advance: Advance | None = None,
    started: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Fuzz every operation `cases` times per role on a fresh, seeded store (see module doc).
    `started` is told how many (role, operation) steps there are; `advance` after each."""
    import schemathesis
    from sqlalchemy.engine import make_url

    from heard.demo.site import seed_store
    from heard.settings import Settings
    from heard.store import Store
    from heard.web import create_app

    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r}; expected one of {', '.join(ROLES)}")
    with _database(database_url) as url:
        store = Store.open(url)
        try:
            site = seed_store(store, weeks=1, agents_per_team=2, per_agent_per_week=2, seed=seed)
            callers = Callers(store, site)
            settings = Settings(
                database_url="sqlite://", secret_key="fuzz-secret-key", max_upload_bytes=200_000
            )
            app = create_app(settings, store=store)
            checks = every_check()
            results: dict[str, RoleFound] = {}
            began = time.perf_counter()
            for number, role in enumerate(roles):
                schema = schemathesis.openapi.from_asgi("/openapi.json", app)
                if role != "anonymous":  # anonymous sends schemathesis' own made-up tokens
                    schema.auth(refresh_interval=None)(callers.provider(role))
                operations = [result.ok() for result in schema.get_all_operations()]
                if number == 0 and started is not None:
                    started(len(operations) * len(roles))
                found = results[role] = RoleFound()
                for operation in operations:
                    _fuzz_operation(operation, found, cases=cases, seed=seed, checks=checks)
                    if advance is not None:
                        advance(role, f"{operation.method.upper()} {operation.path}")
                found.credentials_remade = callers.remade[role]
            seconds = time.perf_counter() - began
        finally:
            store.close()
    by_role = {role: found.to_dict() for role, found in results.items()}
    per_check: Counter[str] = Counter()
    for found in results.values():
        per_check.update(found.failures)
    return {
        "machine": machine(),
        "database": make_url(url).get_backend_name(),
        "settings": {
            "cases_per_operation_and_role": cases,
            "roles": list(roles),
            "seed": seed,
            "operations": len(operations),
            "checks": sorted(check.__name__ for check in checks),
            "generation": "half positive (valid by the schema), half negative",
            "schemathesis": schemathesis.__version__,
        },
        "seconds": round(seconds, 1),
        "cases": sum(found.cases for found in results.values()),
        "server_errors": sum(len(found.server_errors) for found in results.values()),
        "failures": dict(sorted(per_check.items())),
        "distinct_failures": sum(len(found.distinct) for found in results.values()),
        "roles": by_role,
    }


def distinct_failures(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(role, check, operation, message) of every distinct failure in a result, sorted."""
    rows = []
    for role, found in result["roles"].items():
        for example in found["distinct_examples"]:
            rows.append((role, example["check"], example["operation"], example["message"]))
    return sorted(rows)
