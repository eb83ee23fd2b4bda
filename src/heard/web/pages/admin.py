"""The admin pages: users (add, edit name, role and teams, deactivate, send a reset link), their
API tokens (create — shown once —, list, revoke) and the audit log viewer. Admins only: anyone
else gets a 403 page. Every change goes through the store, which audits it; every form carries
the session's CSRF token; a form refused keeps what was typed and says why by the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from heard.model.values import AGENT_KEY_LENGTH, EMAIL_LENGTH, NAME_LENGTH, Text
from heard.settings import Settings
from heard.store import Scope, Store, UserRole, Viewer, accounts, api_tokens, audit_log
from heard.store.errors import Conflict, Invalid, NotFound, StoreError
from heard.store.records import TokenRecord, UserRecord
from heard.web import views
from heard.web.deps import SettingsDep, StoreDep
from heard.web.errors import ApiError
from heard.web.pages.session import (
    Blank,
    CsrfChecked,
    PageId,
    Signed,
    html,
    optional_date,
    pages,
    see_other,
    signed_in,
)
from heard.web.sockets import socket_guard

router = APIRouter(include_in_schema=False)

AUDIT_PAGE = 50
"""Audit entries a page lists."""
ROLES = {r.value for r in UserRole}
SCOPES = {s.value for s in Scope}


def admin_only(user: Annotated[Signed, Depends(signed_in)]) -> Signed:
    if user.role != UserRole.ADMIN:
        raise ApiError(403, "forbidden", "These pages are for admins.")
    return user


AdminUser = Annotated[Signed, Depends(admin_only)]
FormText = Annotated[Text, Form(max_length=NAME_LENGTH)]
Teams = Annotated[list[Annotated[str, Form(max_length=NAME_LENGTH)]], Form(max_length=60)]


# --- what the pages show -----------------------------------------------------------------------


def team_names(store: Store) -> dict[int, str]:
    return {t.id: t.name for t in store.list_teams(Viewer.system())}


def user_line(user: UserRecord, teams: dict[int, str]) -> views.UserLine:
    return views.UserLine(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        teams=[teams[t] for t in user.team_ids if t in teams],
        created_at=user.created_at,
    )


def token_line(token: TokenRecord) -> views.TokenLine:
    state = "active"
    if token.revoked_at is not None:
        state = "revoked"
    elif token.expires_at <= datetime.now(UTC):
        state = "expired"
    return views.TokenLine(
        id=token.id,
        name=token.name,
        scopes=[s.value for s in token.scopes],
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        state=state,  # type: ignore[arg-type]
    )


def external_id(store: Store, user: UserRecord) -> str:
    if user.agent_id is None:
        return ""
    return store.get_agent(Viewer.system(), user.agent_id).external_id


def edit_form(store: Store, user: UserRecord, teams: dict[int, str]) -> views.UserForm:
    return views.UserForm(
        email=user.email,
        name=user.name or "",
        role=user.role.value,
        teams=[teams[t] for t in user.team_ids if t in teams],
        agent_id=external_id(store, user),
    )


def user_view(
    store: Store, settings: Settings, admin: Signed, user_id: int, **changes: object
) -> views.AdminUserView:
    user = accounts.get_user(store, user_id)
    teams = team_names(store)
    view = views.AdminUserView(
        user=user_line(user, teams),
        teams=sorted(teams.values()),
        form=edit_form(store, user, teams),
        tokens=[token_line(t) for t in reversed(api_tokens.list_tokens(store, user_id))],
        reset_hours=settings.reset_link_hours,
        token_days=settings.token_days,
        is_self=user.id == admin.user.id,
    )
    return view.model_copy(update=changes)


def render_user(
    request: Request,
    store: Store,
    settings: Settings,
    admin: Signed,
    user_id: int,
    *,
    status: int = 200,
    **changes: object,
) -> Response:
    view = user_view(store, settings, admin, user_id, **changes)
    body = pages(request).render(
        "admin_user.html",
        user=admin.page_user,
        csrf_token=admin.csrf,
        active="users",
        view=view,
    )
    return html(body, status)


def render_users(
    request: Request,
    store: Store,
    admin: Signed,
    *,
    form: views.UserForm | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    teams = team_names(store)
    view = views.AdminUsersView(
        users=[user_line(u, teams) for u in accounts.list_users(store)],
        teams=sorted(teams.values()),
        form=form or views.UserForm(),
        errors=errors or {},
    )
    body = pages(request).render(
        "admin_users.html", user=admin.page_user, csrf_token=admin.csrf, active="users", view=view
    )
    return html(body, status)


# --- checking what a form sent -----------------------------------------------------------------


def chosen_teams(form: views.UserForm, errors: dict[str, str]) -> list[str]:
    """The teams ticked plus the new one typed; an error on `teams` when the role cannot have
    them."""
    teams = [*form.teams, form.new_team] if form.new_team.strip() else list(form.teams)
    try:
        teams = accounts.clean_teams(teams)
    except Invalid as exc:
        errors["teams"] = exc.message
        return []
    if form.role == UserRole.AGENT.value and len(teams) > 1:
        errors["teams"] = "An agent is in one team: choose one."
    return teams


def check_user_form(form: views.UserForm, *, new: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if new:
        email = form.email.strip()
        if not email:
            errors["email"] = "Enter the person's email address: it is how they sign in."
        elif email.count("@") != 1 or any(c.isspace() for c in email) or email[0] == "@":
            errors["email"] = "Enter an email address such as name@example.com."
    if form.role not in ROLES:
        errors["role"] = "Choose agent, lead or admin."
    return errors


def human(exc: StoreError) -> str:
    """A store refusal in the words the form shows."""
    if isinstance(exc, Conflict) and exc.field == "email":
        return "There is already a user with this email address."
    if isinstance(exc, Conflict) and exc.field == "agent_id":
        return "Another user is already linked to this agent id."
    message = exc.message
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def refused(exc: Invalid | Conflict, errors: dict[str, str], *, fields: tuple[str, ...]) -> int:
    """Put a store refusal under the form field it is about (else the first of `fields`, which
    the form shows), in the form's words; the status to answer with (409 for a conflict)."""
    errors[exc.field if exc.field in fields else fields[0]] = human(exc)
    return 409 if isinstance(exc, Conflict) else 422


# --- users -------------------------------------------------------------------------------------


@router.get("/admin")
def admin_home(user: AdminUser) -> Response:
    return see_other("/admin/users")


@router.get("/admin/users")
def users(request: Request, user: AdminUser, store: StoreDep) -> Response:
    return render_users(request, store, user)


@router.post("/admin/users")
async def create_user(
    request: Request,
    user: AdminUser,
    store: StoreDep,
    _: CsrfChecked,
    email: Annotated[Text, Form(max_length=EMAIL_LENGTH)] = "",
    name: FormText = "",
    role: Annotated[Text, Form(max_length=16)] = "agent",
    teams: Teams = [],  # noqa: B006 - FastAPI reads the default, never mutated
    new_team: FormText = "",
    agent_id: Annotated[Text, Form(max_length=AGENT_KEY_LENGTH)] = "",
    password: Annotated[Text, Form(max_length=accounts.PASSWORD_MAX)] = "",
) -> Response:
    """Add a user; the page again with the errors by their fields (and what was typed, but
    the password) when refused; else their page, where a reset link can be sent."""
    form = views.UserForm(
        email=email, name=name, role=role, teams=teams, new_team=new_team, agent_id=agent_id
    )
    errors = check_user_form(form, new=True)
    chosen = chosen_teams(form, errors)
    status = 422
    if password:
        try:
            accounts.check_password(password)
        except Invalid as exc:
            errors["password"] = exc.message
    if not errors:
        try:
            made = await run_in_threadpool(
                accounts.create_user,
                store,
                email,
                role=UserRole(role),
                password=password or None,
                name=name.strip() or None,
                agent_external_id=(agent_id.strip() or None) if role == "agent" else None,
                teams=chosen if role != "admin" else [],
                by=user.user.id,
            )
        except (Invalid, Conflict) as exc:
            status = refused(exc, errors, fields=("email", "teams", "agent_id"))
        else:
            return see_other(f"/admin/users/{made.id}?created=1")
    return render_users(request, store, user, form=form, errors=errors, status=status)


@router.get("/admin/users/{user_id}")
def user_page(
    request: Request,
    user_id: PageId,
    user: AdminUser,
    store: StoreDep,
    settings: SettingsDep,
    created: Blank = None,
    saved: Blank = None,
) -> Response:
    notice = None
    if created:
        notice = "User added. Send them a reset link so they choose their password."
    elif saved:
        notice = "Changes saved."
    return render_user(request, store, settings, user, user_id, notice=notice)


@router.post("/admin/users/{user_id}")
async def edit_user(
    request: Request,
    user_id: PageId,
    user: AdminUser,
    store: StoreDep,
    settings: SettingsDep,
    _: CsrfChecked,
    name: FormText = "",
    role: Annotated[Text, Form(max_length=16)] = "agent",
    teams: Teams = [],  # noqa: B006
    new_team: FormText = "",
    agent_id: Annotated[Text, Form(max_length=AGENT_KEY_LENGTH)] = "",
) -> Response:
    """Change the user's name, role and teams; the page again with the errors by the fields
    and the form as typed when refused (the last admin cannot stop being one: 409)."""
    accounts.get_user(store, user_id)
    form = views.UserForm(name=name, role=role, teams=teams, new_team=new_team, agent_id=agent_id)
    errors = check_user_form(form, new=False)
    chosen = chosen_teams(form, errors)
    status = 422
    if not errors:
        try:
            await run_in_threadpool(
                accounts.edit_user,
                store,
                user_id,
                name=name,
                role=UserRole(role),
                teams=chosen,
                agent_external_id=agent_id.strip() or None,
                by=user.user.id,
            )
        except (Invalid, Conflict) as exc:
            status = refused(exc, errors, fields=("role", "name", "teams", "agent_id"))
        else:
            socket_guard(request.app).recheck_soon()
            return see_other(f"/admin/users/{user_id}?saved=1")
    current = accounts.get_user(store, user_id)
    form = form.model_copy(update={"email": current.email})
    return render_user(
        request, store, settings, user, user_id, status=status, form=form, errors=errors
    )


@router.post("/admin/users/{user_id}/active")
async def set_active(
    request: Request,
    user_id: PageId,
    user: AdminUser,
    store: StoreDep,
    settings: SettingsDep,
    _: CsrfChecked,
    active: Annotated[Text, Form(max_length=5)] = "",
) -> Response:
    """Deactivate (`active=false`: sessions revoked, tokens refused, live sockets closed) or
    activate again; the last admin able to act is kept (409, said at the top of the page)."""
    if active not in ("true", "false"):
        raise Invalid("active must be true or false", field="active")
    try:
        changed = await run_in_threadpool(
            accounts.set_active, store, user_id, active=active == "true", by=user.user.id
        )
    except Conflict as exc:
        return render_user(request, store, settings, user, user_id, status=409, message=human(exc))
    if not changed.active:
        socket_guard(request.app).deactivated(user_id=changed.id)
    return see_other(f"/admin/users/{user_id}")


@router.post("/admin/users/{user_id}/reset-link")
async def reset_link(
    request: Request,
    user_id: PageId,
    user: AdminUser,
    store: StoreDep,
    settings: SettingsDep,
    _: CsrfChecked,
) -> Response:
    """A one-time link that lets the user set a new password, shown on this answer only
    (copy it to them); their earlier unused link stops working."""
    try:
        link, secret = await run_in_threadpool(
            accounts.issue_reset, store, user_id, hours=settings.reset_link_hours, by=user.user.id
        )
    except Invalid as exc:
        return render_user(request, store, settings, user, user_id, status=422, message=human(exc))
    url = str(request.base_url).rstrip("/") + accounts.reset_path(secret)
    return render_user(
        request, store, settings, user, user_id, reset_url=url, reset_until=link.expires_at
    )


# --- tokens ------------------------------------------------------------------------------------


@router.post("/admin/users/{user_id}/tokens")
async def create_token(
    request: Request,
    user_id: PageId,
    user: AdminUser,
    store: StoreDep,
    settings: SettingsDep,
    _: CsrfChecked,
    name: FormText = "",
    scopes: Annotated[list[Annotated[str, Form(max_length=8)]], Form(max_length=3)] = [],  # noqa: B006
    days: Annotated[Text, Form(max_length=10)] = "",
) -> Response:
    """A new API token for the user, shown on this answer only (its hash is kept)."""
    form = views.TokenForm(name=name, scopes=scopes, days=days)
    errors: dict[str, str] = {}
    chosen = [s for s in scopes if s in SCOPES]
    if not chosen or len(chosen) != len(scopes):
        errors["scopes"] = "Choose what the token may do: read, write or admin."
    if days.strip() and not (days.strip().isascii() and days.strip().isdigit()):
        errors["days"] = "Give a number of days from 1 to 3,650."
    elif days.strip() and not 1 <= int(days) <= 3650:
        errors["days"] = "A token works from 1 to 3,650 days."
    if not errors:
        try:
            _, token = await run_in_threadpool(
                lambda: api_tokens.create_token(
                    store,
                    user_id,
                    scopes=[Scope(s) for s in chosen],
                    name=name.strip() or None,
                    days=int(days) if days.strip() else settings.token_days,
                    by=user.user.id,
                )
            )
        except Invalid as exc:
            errors["scopes" if exc.field == "scopes" else "name"] = (
                "Only an admin's token may carry the admin scope."
                if exc.field == "scopes"
                else human(exc)
            )
        else:
            return render_user(request, store, settings, user, user_id, status=201, new_token=token)
    return render_user(
        request,
        store,
        settings,
        user,
        user_id,
        status=422,
        token_form=form,
        token_errors=errors,
    )


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request,
    token_id: PageId,
    user: AdminUser,
    store: StoreDep,
    settings: SettingsDep,
    _: CsrfChecked,
) -> Response:
    """Revoke a token at once (its open live sockets are closed); refused (409, said at the
    top of its user's page) when it is the last way an admin can act."""
    owner = next((t.user_id for t in api_tokens.list_tokens(store) if t.id == token_id), None)
    if owner is None:
        raise NotFound(f"There is no token {token_id}.", field="token_id")
    try:
        record = await run_in_threadpool(api_tokens.revoke_token, store, token_id, by=user.user.id)
    except Conflict as exc:
        return render_user(request, store, settings, user, owner, status=409, message=human(exc))
    socket_guard(request.app).revoked(token_id=record.id)
    return see_other(f"/admin/users/{owner}#tokens")


# --- the audit log -----------------------------------------------------------------------------


def _audit_url(filters: views.AuditFilters, **cursor: int) -> str:
    query = {k: v for k, v in filters.model_dump().items() if v}
    query.update({k: str(v) for k, v in cursor.items()})
    return "/admin/audit" + (f"?{urlencode(query)}" if query else "")


def _id(value: str | None, field: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        raise Invalid(f"{field} must be a number, got {value!r}", field=field)
    return int(value)


@router.get("/admin/audit")
def audit(
    request: Request,
    user: AdminUser,
    store: StoreDep,
    who: Annotated[Text | None, Query(alias="user", max_length=12)] = None,
    action: Annotated[Text | None, Query(max_length=audit_log.ACTION_LENGTH)] = None,
    date_from: Blank = None,
    date_to: Blank = None,
    before: Annotated[Text | None, Query(max_length=12)] = None,
    after: Annotated[Text | None, Query(max_length=12)] = None,
) -> Response:
    """Who did what, newest first, 50 a page; filters by user, action and dates (the 'to'
    day included)."""
    first = optional_date(date_from, "date_from")
    last = optional_date(date_to, "date_to")
    if first and last and last < first:
        raise Invalid("The 'to' date is before the 'from' date.", field="date_to")
    filters = views.AuditFilters(
        user=who or "",
        action=(action or "").strip(),
        date_from=first.isoformat() if first else "",
        date_to=last.isoformat() if last else "",
    )
    found = audit_log.search(
        store,
        user.viewer,
        user_id=_id(who, "user"),
        action=filters.action or None,
        start=datetime.combine(first, datetime.min.time(), tzinfo=UTC) if first else None,
        end=(
            datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            if last
            else None
        ),
        before=_id(before, "before"),
        after=_id(after, "after"),
        limit=AUDIT_PAGE,
    )
    view = views.AuditView(
        entries=[
            views.AuditLine.model_validate(e.model_dump(exclude={"user_id"})) for e in found.entries
        ],
        filters=filters,
        users=[(str(u.id), u.email) for u in accounts.list_users(store)],
        actions=list(audit_log.KNOWN_ACTIONS),
        newer_url=_audit_url(filters, after=found.newer) if found.newer else None,
        older_url=_audit_url(filters, before=found.older) if found.older else None,
    )
    body = pages(request).render(
        "admin_audit.html", user=user.page_user, csrf_token=user.csrf, active="audit", view=view
    )
    return html(body)
