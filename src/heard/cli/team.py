"""`heard user add|edit|reset-link|deactivate|activate`, `heard token create|revoke`, `heard
rescore`, `heard serve`: the team app's store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from heard.cli.archiving import EXIT_ENGINE, EXIT_USAGE, EngineOpt
from heard.cli.output import JsonOpt, console, errors, print_json

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Store URL (default: $HEARD_DATABASE_URL, else SQLite in the user data folder).",
        show_default=False,
    ),
]

IngestWorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="local: processes of the analysis pool (default: $HEARD_INGEST_WORKERS, else every "
        "core); ray: Ray actors (default: one per cluster CPU).",
        show_default=False,
    ),
]
"""--workers of the commands that analyse for the store (`heard ingest`, `heard rescore`)."""
IngestRayAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="With --engine ray: a running Ray cluster to use, e.g. ray://head:10001 or auto "
        "(default: $HEARD_RAY_ADDRESS, else $RAY_ADDRESS, else a local cluster started for the "
        "run).",
        show_default=False,
    ),
]

user_app = typer.Typer(help="Users of the team app.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


def load_settings(database: str | None = None):  # type: ignore[no-untyped-def]
    """The settings from the environment (`database` wins over HEARD_DATABASE_URL); a setting
    the environment gets wrong is a usage error (exit code 2) naming its variable."""
    from pydantic import ValidationError

    from heard.settings import Settings

    try:
        return Settings(database_url=database) if database else Settings()
    except ValidationError as exc:
        for error in exc.errors():
            variable = f"HEARD_{str(error['loc'][0]).upper()}" if error["loc"] else "settings"
            message = error["msg"].removeprefix("Value error, ")
            if not message.startswith(variable):
                message = f"{variable}: {message}"
            errors.print(f"[red]error[/red] {escape(message)}")
        raise typer.Exit(EXIT_USAGE) from None


def _store(database: str | None):  # type: ignore[no-untyped-def]
    from heard.store import Store

    return Store.from_settings(load_settings(database))


def open_service(
    store: Any,
    settings: Any,
    *,
    analyzer: Any = None,
    engine: str | None,
    workers: int | None,
    ray_address: str | None,
) -> Any:
    """The ingest service of `heard ingest` and `heard rescore`, its engine started: `engine`
    (else the settings' `engine`); local analyses on a pool of `workers` processes (else
    `ingest_workers`, else every core); ray on `workers` Ray actors (default one per cluster
    CPU) at `ray_address` (else the settings'), the pool redacting. An engine that cannot start
    ends the command: exit code 2 (unknown or not installed) or 3. Close it with `close()`."""
    from heard.engines import EngineError, engine_name
    from heard.ingest import IngestService, default_workers

    pool = settings.ingest_workers or default_workers()
    try:
        name = engine_name(engine) if engine else settings.engine
        if name == "local" and ray_address:
            raise EngineError("--ray-address is for --engine ray", usage=True)
        service = IngestService(
            store,
            analyzer=analyzer,
            workers=(workers or pool) if name == "local" else pool,
            redact_names=settings.redact_names,
            engine_name=name,
            ray_address=ray_address or settings.ray_address,
            ray_workers=workers if name == "ray" else None,
        )
        service.start_engine()
    except EngineError as exc:
        errors.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE if exc.usage else EXIT_ENGINE) from None
    return service


def _fail(exc: Exception) -> typer.Exit:
    field = getattr(exc, "field", None)
    errors.print(f"[red]error[/red] {escape(str(exc))}" + (f" (field {field})" if field else ""))
    return typer.Exit(1)


def _checked(kind: Any, value: Any, option: str) -> Any:
    """`value` as the team app's API would take it (heard.model.values), else a usage error
    naming the option: the same rules from the command line as from the API."""
    from pydantic import TypeAdapter, ValidationError

    from heard.model.values import describe

    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"[{p}]" for p in first["loc"])
        raise typer.BadParameter(f"{describe(first)}{where}", param_hint=option) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise typer.BadParameter(
                "standard input held no password", param_hint="--password-stdin"
            )
        return password
    if not sys.stdin.isatty():
        raise typer.BadParameter(
            "no terminal to ask for a password; pipe it with --password-stdin",
            param_hint="--password-stdin",
        )
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The user's email: their sign-in name.")],
    role: Annotated[str, typer.Option("--role", help="agent, lead or admin.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    agent_id: Annotated[
        str | None,
        typer.Option("--agent-id", help="An agent's id in the conversations (agents only)."),
    ] = None,
    team: Annotated[
        list[str],
        typer.Option("--team", help="A team the lead leads, or the agent's team; repeatable."),
    ] = [],  # noqa: B006 - typer reads the default, never mutated
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user who can sign in to the team app (asks for the password)."""
    from heard.store import StoreError, UserRole, accounts

    try:
        chosen = UserRole(role.lower())
    except ValueError:
        raise typer.BadParameter(
            f"{role!r} is not a role; use agent, lead or admin", param_hint="--role"
        ) from None
    from heard.model.values import AgentKey, Email, Name, Text

    email = _checked(Email, email.strip(), "EMAIL")
    name = _checked(Name | None, name, "--name")
    agent_id = _checked(AgentKey | None, agent_id, "--agent-id")
    team = _checked(list[Name], team, "--team")
    password = _checked(Text, _read_password(password_stdin), "password")
    store = _store(database)
    try:
        user = accounts.create_user(
            store,
            email,
            role=chosen,
            password=password,
            name=name,
            agent_external_id=agent_id,
            teams=team,
        )
    except StoreError as exc:
        raise _fail(exc) from None
    finally:
        store.close()
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    console.print(f"added {escape(user.email)} as {user.role.value} (user {user.id})")


def _set_active(email: str, *, active: bool, database: str | None, as_json: bool) -> None:
    from heard.store import StoreError, accounts

    store = _store(database)
    try:
        user = accounts.set_active(store, accounts.user_by_email(store, email).id, active=active)
    except StoreError as exc:
        raise _fail(exc) from None
    finally:
        store.close()
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    state = "active" if user.active else "deactivated (sessions revoked, tokens refused)"
    console.print(f"{escape(user.email)} is {state}")


@user_app.command("deactivate")
def user_deactivate(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Deactivate a user: their sign-in sessions are revoked and their tokens refused (refused
    when no other active admin could act)."""
    _set_active(email, active=False, database=database, as_json=as_json)


@user_app.command("activate")
def user_activate(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Let a deactivated user sign in again (their old sessions stay revoked)."""
    _set_active(email, active=True, database=database, as_json=as_json)


@user_app.command("edit")
def user_edit(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name ('' clears it).")] = None,
    role: Annotated[str | None, typer.Option("--role", help="agent, lead or admin.")] = None,
    team: Annotated[
        list[str] | None,
        typer.Option(
            "--team",
            help="A team the lead leads, or the agent's team; repeatable; replaces their teams.",
            show_default=False,
        ),
    ] = None,
    no_teams: Annotated[
        bool, typer.Option("--no-teams", help="Take the user out of every team.")
    ] = False,
    agent_id: Annotated[
        str | None,
        typer.Option(
            "--agent-id", help="For a user becoming an agent: their agent id (default: email)."
        ),
    ] = None,
    active: Annotated[
        bool | None,
        typer.Option(
            "--enable/--disable",
            help="Let the user sign in again, or deactivate them (sessions revoked, tokens "
            "refused).",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a user's name, role, teams or whether they may sign in, as the admin pages do
    (refused when no other active admin could act)."""
    from heard.model.values import AgentKey, Name, Text
    from heard.store import StoreError, UserRole, Viewer, accounts

    email = _checked(Text, email, "EMAIL")
    chosen = None
    if role is not None:
        try:
            chosen = UserRole(role.lower())
        except ValueError:
            raise typer.BadParameter(
                f"{role!r} is not a role; use agent, lead or admin", param_hint="--role"
            ) from None
    name = _checked(Name | None, name, "--name")
    agent_id = _checked(AgentKey | None, agent_id, "--agent-id")
    if no_teams and team:
        raise typer.BadParameter("give --team or --no-teams, not both", param_hint="--no-teams")
    teams = [] if no_teams else _checked(list[Name] | None, team or None, "--team")
    if (name, chosen, teams, agent_id, active) == (None, None, None, None, None):
        raise typer.BadParameter(
            "nothing to change: give --name, --role, --team, --no-teams, --agent-id, --enable "
            "or --disable",
            param_hint="EMAIL",
        )
    store = _store(database)
    try:
        user = accounts.change_user(
            store,
            accounts.user_by_email(store, email).id,
            name=name,
            role=chosen,
            teams=teams,
            agent_external_id=agent_id or None,
            active=active,
        )
        team_names = {t.id: t.name for t in store.list_teams(Viewer.system())}
    except StoreError as exc:
        raise _fail(exc) from None
    finally:
        store.close()
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    teams_shown = ", ".join(team_names[t] for t in user.team_ids if t in team_names) or "no team"
    state = "active" if user.active else "deactivated"
    console.print(
        f"{escape(user.email)}: {user.role.value}, {escape(teams_shown)}, {state}"
        + (f", named {escape(user.name)}" if user.name else "")
    )


@user_app.command("reset-link")
def user_reset_link(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="The team app's address, e.g. https://heard.example.com (else the link's path "
            "is printed).",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a one-time link that lets the user set a new password, working for
    $HEARD_RESET_LINK_HOURS (default 24); it is printed this once (only its hash is kept) and
    their earlier unused link stops working."""
    from heard.model.values import Text
    from heard.store import StoreError, accounts

    email = _checked(Text, email, "EMAIL")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise typer.BadParameter(f"{base_url!r} is not an http(s) address", param_hint="--base-url")
    settings = load_settings(database)
    store = _store(database)
    try:
        user = accounts.user_by_email(store, email)
        link, secret = accounts.issue_reset(store, user.id, hours=settings.reset_link_hours)
    except StoreError as exc:
        raise _fail(exc) from None
    finally:
        store.close()
    path = accounts.reset_path(secret)
    url = base_url.rstrip("/") + path if base_url else path
    if as_json:
        print_json({**link.model_dump(mode="json", exclude={"used_at"}), "url": url})
        return
    sys.stdout.write(url + "\n")
    errors.print(
        f"reset link {link.id} for {escape(user.email)}, working once until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC; it is not shown again"
        + ("" if base_url else " (put the team app's address before it)")
    )


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="Whose token it is.")],
    scope: Annotated[
        list[str], typer.Option("--scope", help="read, write or admin; repeatable.")
    ] = ["read"],  # noqa: B006
    name: Annotated[str | None, typer.Option("--name", help="What the token is for.")] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=1,
            max=3650,
            help="How long the token works (default: $HEARD_TOKEN_DAYS, else 90).",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API token and print it (it is shown this once; only its hash is kept)."""
    from heard.model.values import Name, Text
    from heard.store import Scope, StoreError, accounts, api_tokens

    email = _checked(Text, email, "EMAIL")
    name = _checked(Name | None, name, "--name")
    try:
        scopes = [Scope(s.lower()) for s in scope]
    except ValueError:
        raise typer.BadParameter(
            f"scopes are read, write and admin, got {', '.join(scope)}", param_hint="--scope"
        ) from None
    settings = load_settings(database)
    store = _store(database)
    try:
        user = accounts.user_by_email(store, email)
        record, token = api_tokens.create_token(
            store, user.id, scopes=scopes, name=name, days=days or settings.token_days
        )
    except StoreError as exc:
        raise _fail(exc) from None
    finally:
        store.close()
    if as_json:
        print_json({**record.model_dump(mode="json"), "token": token})
        return
    sys.stdout.write(token + "\n")
    errors.print(
        f"token {record.id} for {escape(user.email)} with scopes "
        f"{' '.join(s.value for s in record.scopes)}, until "
        f"{record.expires_at:%Y-%m-%d %H:%M} UTC; it is not shown again"
    )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (printed when it was made).")],
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke an API token at once (refused when it is the last way an admin can act)."""
    from heard.store import StoreError, api_tokens

    store = _store(database)
    try:
        record = api_tokens.revoke_token(store, token_id)
    except StoreError as exc:
        raise _fail(exc) from None
    finally:
        store.close()
    if as_json:
        print_json(record.model_dump(mode="json"))
        return
    console.print(f"token {record.id} is revoked")


def rescore_command(
    rubric: Annotated[
        Path | None, typer.Option("--rubric", help="A rubric TOML file (default: heard's).")
    ] = None,
    database: DatabaseOpt = None,
    engine: EngineOpt = None,
    workers: IngestWorkersOpt = None,
    ray_address: IngestRayAddressOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score stored conversations again where the rubric or detector versions changed.

    Large rescores are analysed on --engine: local (a pool of --workers processes, default
    $HEARD_INGEST_WORKERS, else every core) or ray. Exit codes: 0 done, 1 the store refused,
    2 usage error, 3 the engine failed (rerun: what was rescored stays).
    """
    from heard.analysis import Analyzer, load_rubric
    from heard.engines import EngineError
    from heard.errors import InputError
    from heard.store import Store

    settings = load_settings(database)
    try:
        analyzer = Analyzer(rubric=load_rubric(rubric) if rubric else None)
    except InputError as exc:
        raise _fail(exc) from None
    store = Store.from_settings(settings)
    try:
        ingest = open_service(
            store,
            settings,
            analyzer=analyzer,
            engine=engine,
            workers=workers,
            ray_address=ray_address,
        )
        try:
            report = ingest.rescore(analyzer=analyzer)
        except EngineError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_ENGINE) from None
        finally:
            ingest.close()
    finally:
        store.close()
    if as_json:
        print_json(report.model_dump())
        return
    console.print(
        f"rescored {report.rescored:,} of {report.checked:,} conversations "
        f"with rubric {analyzer.rubric.ref}"
        + (
            f"; {report.changed:,} changed by an ingest meanwhile keep the scorecard it gave"
            if report.changed
            else ""
        )
    )


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")

    app.command("rescore")(rescore_command)

    @app.command("serve")
    def serve_command(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
        database: DatabaseOpt = None,
    ) -> None:
        """Serve the team app and its API (uvicorn) on the store at $HEARD_DATABASE_URL.

        Large ingests and rescores are analysed as the settings say: $HEARD_ENGINE local (a
        pool of $HEARD_INGEST_WORKERS processes) or ray (a Ray engine at $HEARD_RAY_ADDRESS or
        $RAY_ADDRESS, else a local cluster, started before serving).
        """
        import uvicorn

        from heard.engines import EngineError
        from heard.store.database import normalise_url
        from heard.web import create_app
        from heard.web.app import prepare_to_serve
        from heard.web.logs import log_config, log_uncaught

        settings = load_settings(database)
        app_ = create_app(settings)
        try:
            prepare_to_serve(app_.state.ingest)  # starts the engine HEARD_ENGINE names
        except EngineError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            app_.state.ingest.close()
            raise typer.Exit(EXIT_USAGE if exc.usage else EXIT_ENGINE) from None
        shown = normalise_url(settings.database_url).split("@")[-1]
        errors.print(f"heard: store {escape(shown)}; serving on http://{host}:{port}")
        log_uncaught()
        uvicorn.run(
            app_,
            host=host,
            port=port,
            log_level="info",
            log_config=log_config(settings.log_format),
            proxy_headers=False,  # the app believes X-Forwarded-* from trusted_proxies only
        )
