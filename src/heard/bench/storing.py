"""How fast the team app's store fills and answers: seed, ingest through the API, query latency.

The API runs in this process: `create_app` behind Starlette's TestClient (an in-process ASGI
client, no sockets), so a request's time is the server's time plus the in-process hop.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from heard.bench.machine import machine, peak_rss_mb
from heard.model import Conversation

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from heard.analysis import Analyzer
    from heard.ingest import IngestService
    from heard.store import Store
    from heard.store.analysed import CardRows

SEED_CHUNK = 1000
"""Conversations per seeding ingest (one transaction, analysed in batches on the pool)."""
BENCH_SEED = 7
SAMPLE_SEED = 8
"""The API ingest sample is another generated team's conversations: new keys, same shape (on a
reused database the seed moves on by the conversations stored, so the keys are new again). An
untimed batch from the same team goes first (its seed is the stored count; the timed ones move
on past it)."""
BENCH_PASSWORD = "heard-bench-password"
"""The bench users' password: pages such as /dashboard take a signed-in session, not a token."""
WEEKS = 26
"""Weeks the seeded conversations spread over."""
DISTINCT = 10_000
"""Distinct generated conversations the seed analyses; each is stored ceil(n / distinct) times
under as many external ids (its scorecard is the real analysis of that very body)."""

_ANALYSED: dict[tuple[object, ...], list[tuple[Conversation, CardRows]]] = {}
"""Analysed seed conversations by (analysis version, distinct, seed, weeks): a second database
in the same run stores the same analysis instead of repeating it."""


@dataclass
class Latency:
    endpoint: str
    role: str
    seconds: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)

    def to_dict(self) -> dict[str, object]:
        ordered = sorted(self.seconds)

        def q(p: float) -> float:
            index = min(len(ordered) - 1, max(0, round(p * (len(ordered) - 1))))
            return round(ordered[index] * 1000, 1)

        return {
            "endpoint": self.endpoint,
            "role": self.role,
            "calls": len(ordered),
            "p50_ms": q(0.50),
            "p95_ms": q(0.95),
            "p99_ms": q(0.99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
            "statuses": sorted(self.statuses),
        }


@dataclass
class Export:
    """One streamed CSV export through the API, as an admin: the rows and bytes it sent, the
    seconds it took (first request to last byte), and the filter that chose the rows."""

    rows: int
    bytes: int
    seconds: float
    since: date | None
    """The export's first day (None: every conversation)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 2),
            "rows_per_s": round(self.rows / self.seconds, 1) if self.seconds else None,
            "since": None if self.since is None else self.since.isoformat(),
        }


@dataclass
class StoreBench:
    database: str
    url: str
    n: int
    seeded: int
    seed_seconds: float | None
    workers: int
    batch: int
    sample: int
    ingest_seconds: float
    ingest_batches: int
    warm_seconds: float
    latencies: list[Latency]
    repeat: int
    dashboard: bool
    peak_rss_mb: float
    embeddings: bool = True
    load: tuple[float, float] | None = None
    """The machine's 1-minute load average when the timed part began and ended (other work on
    a shared machine slows every figure)."""
    seed_embeddings: bool = True
    distinct: int = 0
    """Distinct conversations analysed for the seed (each stored `copies` times)."""
    copies: int = 1
    analyse_seconds: float | None = None
    """Of `seed_seconds`, the time spent redacting and analysing (None: reused from an earlier
    database of this run, or no seed)."""
    clients: int = 1
    """Clients posting batches at once in the second ingest measurement (1: none made)."""
    concurrent_seconds: float = 0.0
    """Wall time `clients` clients took to ingest another `sample` conversations together."""
    export: Export | None = None
    """The streamed CSV export of at least `export` rows (None: not asked for)."""

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = {
            "database": self.database,
            "url": self.url,
            "n": self.n,
            "conversations": self.seeded,
            "seed_conversations_per_s": None
            if not self.seed_seconds
            else round(self.n / self.seed_seconds, 1),
            "seed_seconds": None if self.seed_seconds is None else round(self.seed_seconds, 3),
            "seed_distinct": self.distinct,
            "seed_copies": self.copies,
            "seed_analyse_seconds": None
            if self.analyse_seconds is None
            else round(self.analyse_seconds, 3),
            "workers": self.workers,
            "embeddings": self.embeddings,
            "seed_embeddings": self.seed_embeddings,
            "batch": self.batch,
            "ingest_conversations": self.sample,
            "ingest_batches": self.ingest_batches,
            "ingest_seconds": round(self.ingest_seconds, 2),
            "ingest_conversations_per_s": round(self.sample / self.ingest_seconds, 1)
            if self.ingest_seconds
            else None,
            "ingest_clients": self.clients,
            "ingest_concurrent_seconds": round(self.concurrent_seconds, 2),
            "ingest_concurrent_conversations_per_s": round(self.sample / self.concurrent_seconds, 1)
            if self.concurrent_seconds
            else None,
            "warm_seconds": round(self.warm_seconds, 1),
            "repeat": self.repeat,
            "dashboard_route": self.dashboard,
            "latency": [x.to_dict() for x in self.latencies],
            "export": None if self.export is None else self.export.to_dict(),
            "peak_rss_mb": self.peak_rss_mb,
            "load_average": None if self.load is None else [round(x, 2) for x in self.load],
            "client": "in-process ASGI (Starlette TestClient), admin and lead bearer tokens",
            "machine": machine(),
        }
        return result


def bench_analyzer(*, embeddings: bool):  # type: ignore[no-untyped-def]
    """The default analyzer; without `embeddings`, every detector but those that need the
    sentence-embedding model (as on a machine where it is not installed)."""
    from heard.analysis import Analyzer
    from heard.analysis.detector import Requirement
    from heard.analysis.registry import detectors

    if embeddings:
        return Analyzer()
    return Analyzer(
        only=sorted(n for n, d in detectors().items() if Requirement.EMBEDDINGS not in d.requires)
    )


def database_label(url: str) -> str:
    return make_url(url).get_backend_name()


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _chunks(items: Iterator[Conversation], size: int) -> Iterator[list[Conversation]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def bench_store(
    url: str,
    *,
    n: int,
    batch: int = 200,
    sample: int = 2000,
    repeat: int = 20,
    workers: int = 1,
    reuse: bool = False,
    embeddings: bool = True,
    seed_embeddings: bool | None = None,
    distinct: int = DISTINCT,
    clients: int = 1,
    export: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> StoreBench:
    """Seed `n` generated conversations into the store at `url` (it must hold none, unless
    `reuse` and it holds `n` already), ingest `sample` more through the API in batches of
    `batch`, then time the dashboard endpoints `repeat` times each as an admin and as a lead.
    With `clients` > 1, another `sample` conversations are ingested by that many clients
    posting their batches at once (a server's ingest capacity: while one request waits for its
    write or its parsing, the workers analyse another's). With `export`, an admin then exports
    the newest weeks holding at least that many conversations as CSV, streamed.

    The seed analyses `distinct` generated conversations (redacted, on the ingest's pool) and
    stores each ceil(n / distinct) times under as many external ids, with the embedding
    detectors when `seed_embeddings` (default: as `embeddings`, which rules the API ingest)."""
    from heard.ingest import IngestService
    from heard.store import Store

    report = progress or (lambda _stage, _done, _total: None)
    seed_embeddings = embeddings if seed_embeddings is None else seed_embeddings
    store = Store.open(url)
    ingest = IngestService(store, workers=workers, analyzer=bench_analyzer(embeddings=embeddings))
    try:
        warm_seconds = _seconds(ingest.warm)  # the analyzer on every worker of the pool
        stored = store.counts()["conversations"]
        distinct = max(1, min(distinct, n))
        copies = -(-n // distinct)
        _check_seedable(url, stored, n=n, reuse=reuse)
        seed_seconds: float | None = None
        analyse_seconds: float | None = None
        if not stored:  # (a reused seed was timed when it was made)
            seed_seconds, analyse_seconds = _seed(
                ingest,
                n=n,
                distinct=distinct,
                copies=copies,
                embeddings=embeddings,
                seed_embeddings=seed_embeddings,
                report=report,
            )
        # ANALYZE (VACUUM ANALYZE on PostgreSQL) and a checkpoint, as an operator would: the
        # timed part is not measured while the database still flushes the seed's gigabytes
        store.after_bulk_load()
        dashboard, measured = _through_the_api(
            store,
            ingest,
            url=url,
            workers=workers,
            stored=stored,
            sample=sample,
            batch=batch,
            clients=clients,
            repeat=repeat,
            export=export,
            report=report,
        )
        load_before, ingest_seconds, batches, concurrent_seconds, latencies, exported = measured
        load_after = _load()
        seeded = store.counts()["conversations"]
    finally:
        ingest.close()
        store.close()
    return StoreBench(
        database=database_label(url),
        url=shown_url(url),
        n=n,
        seeded=seeded,
        seed_seconds=seed_seconds,
        workers=workers,
        batch=batch,
        sample=sample,
        ingest_seconds=ingest_seconds,
        ingest_batches=batches,
        warm_seconds=warm_seconds,
        latencies=latencies,
        repeat=repeat,
        dashboard=dashboard,
        peak_rss_mb=peak_rss_mb(),
        embeddings=embeddings,
        load=None if load_before is None or load_after is None else (load_before, load_after),
        seed_embeddings=seed_embeddings,
        distinct=distinct,
        copies=copies,
        analyse_seconds=analyse_seconds,
        clients=clients,
        concurrent_seconds=concurrent_seconds,
        export=exported,
    )


def _seed(
    ingest: IngestService,
    *,
    n: int,
    distinct: int,
    copies: int,
    embeddings: bool,
    seed_embeddings: bool,
    report: Callable[[str, int, int], None],
) -> tuple[float, float | None]:
    """Store `n` conversations: `distinct` generated ones analysed once, each stored `copies`
    times under as many external ids. (Seconds the seed took, seconds its analysis took.)"""
    began = time.perf_counter()
    seed_analyzer = (
        ingest.analyzer()
        if seed_embeddings == embeddings
        else bench_analyzer(embeddings=bool(seed_embeddings))
    )
    analysed, analyse_seconds = _analysed_seed(ingest, seed_analyzer, distinct, report)
    done = 0
    report("seed", 0, n)
    for copy in range(copies):
        for start in range(0, distinct, SEED_CHUNK):
            part = analysed[start : start + SEED_CHUNK][: n - done]
            if not part:
                break
            ingest.ingest(
                [seed_copy(c, copy) for c, _ in part],
                analyzer=seed_analyzer,
                analysed=[card for _, card in part],
            )
            done += len(part)
            report("seed", done, n)
    seed_seconds = time.perf_counter() - began
    ingest.warm()  # the API ingest's analyzer on the pool again
    return seed_seconds, analyse_seconds


def _seconds(run: Callable[[], object]) -> float:
    """How long `run()` took, in seconds."""
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def _check_seedable(url: str, stored: int, *, n: int, reuse: bool) -> None:
    """Invalid unless the store is empty, or `reuse` and it holds `n` conversations already."""
    from heard.store.errors import Invalid

    if stored and not (reuse and stored >= n):
        raise Invalid(
            f"the database at {shown_url(url)} already holds {stored:,} conversations; "
            "give an empty one (or --reuse one this bench seeded)",
            field="database",
        )


def _through_the_api(
    store: Store,
    ingest: IngestService,
    *,
    url: str,
    workers: int,
    stored: int,
    sample: int,
    batch: int,
    clients: int,
    repeat: int,
    export: int,
    report: Callable[[str, int, int], None],
) -> tuple[bool, tuple[float | None, float, int, float, list[Latency], Export | None]]:
    """An admin and a lead with their tokens, the app over the store, then `_timed` through
    it: (whether the app has a /dashboard route, what `_timed` measured)."""
    from fastapi.testclient import TestClient

    from heard.runtime import serving_gc_while
    from heard.settings import Settings
    from heard.store import UserRole, Viewer
    from heard.web import create_app

    admin = _user(store, "bench-admin@heard.example", UserRole.ADMIN, ())
    teams = store.list_teams(Viewer.system())
    lead = _user(store, "bench-lead@heard.example", UserRole.LEAD, (teams[0].name,))
    admin_token = _token(store, admin)
    lead_token = _token(store, lead)
    settings = Settings(database_url=url, secret_key="bench", ingest_workers=workers)
    app = create_app(settings, store=store, ingest=ingest)
    dashboard = _has_route(app, "/dashboard")
    page = _has_route(app, "/conversations")
    # the garbage collector as `heard serve` sets it after its warm-up
    with serving_gc_while(), TestClient(app) as client:
        timed = _timed(
            client,
            admin_token,
            lead_token,
            store,
            stored=stored,
            sample=sample,
            batch=batch,
            clients=clients,
            repeat=repeat,
            dashboard=dashboard,
            page=page,
            report=report,
        )
        exported = _export(client, admin_token, export, report) if export else None
    return dashboard, (*timed, exported)


def _timed(
    client: TestClient,
    admin_token: str,
    lead_token: str,
    store: Store,
    *,
    stored: int,
    sample: int,
    batch: int,
    clients: int,
    repeat: int,
    dashboard: bool,
    page: bool,
    report: Callable[[str, int, int], None],
) -> tuple[float | None, float, int, float, list[Latency]]:
    """The timed part through the API: (machine load before, seconds of the batch ingest,
    its batches, seconds of the ingest by `clients` at once, the endpoints' latencies)."""
    # one batch first, untimed: the workers' first conversations pay for what they
    # load and compile on first use, which a server that has been up has paid already
    warm = min(batch, sample)
    _ingest(client, admin_token, warm, batch, lambda *_: None, seed=SAMPLE_SEED + stored)
    timed = SAMPLE_SEED + stored + warm
    load_before = _load()
    ingest_seconds, batches = _ingest(client, admin_token, sample, batch, report, seed=timed)
    concurrent_seconds = 0.0
    if clients > 1:
        concurrent_seconds, _ = _ingest(
            client,
            admin_token,
            sample,
            batch,
            report,
            seed=timed + sample,
            clients=clients,
        )
    latencies = _latencies(
        client, admin_token, lead_token, store, repeat, report, dashboard=dashboard, page=page
    )
    return load_before, ingest_seconds, batches, concurrent_seconds, latencies


def _analysed_seed(
    ingest: IngestService,
    analyzer: Analyzer,
    distinct: int,
    report: Callable[[str, int, int], None],
) -> tuple[list[tuple[Conversation, CardRows]], float | None]:
    """The seed's distinct conversations, redacted, with their scorecard rows; and the seconds
    analysing them took (None when an earlier database of this run analysed them)."""
    from heard.demo.team import iter_conversations
    from heard.ingest import analysis_version

    key = (analysis_version(analyzer), distinct, BENCH_SEED, WEEKS)
    if key in _ANALYSED:
        return _ANALYSED[key], None
    began = time.perf_counter()
    analysed: list[tuple[Conversation, CardRows]] = []
    report("analyse", 0, distinct)
    for chunk in _chunks(iter_conversations(distinct, seed=BENCH_SEED, weeks=WEEKS), SEED_CHUNK):
        analysed += ingest.analyse(chunk, analyzer=analyzer)
        report("analyse", len(analysed), distinct)
    _ANALYSED.clear()  # one seed in memory at a time
    _ANALYSED[key] = analysed
    return analysed, time.perf_counter() - began


def _load() -> float | None:
    """The 1-minute load average, where the system tells it."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def seed_copy(conversation: Conversation, copy: int) -> Conversation:
    """The `copy`th stored copy of a seed conversation: the same body under another external id
    (copy 0 is the conversation itself)."""
    if copy == 0:
        return conversation
    return conversation.model_copy(
        update={"external_id": f"{conversation.external_id or conversation.id}~{copy}"}
    )


def _has_route(app, path: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the app serves `path` (included routers may wrap their routes)."""
    from starlette.routing import Match

    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}

    def walk(routes) -> bool:  # type: ignore[no-untyped-def]
        for route in routes:
            if getattr(route, "path", None) == path:
                return True
            inner = getattr(route, "routes", None) or getattr(
                getattr(route, "router", None), "routes", None
            )
            if inner and walk(inner):
                return True
            try:
                if route.matches(scope)[0] == Match.FULL and not hasattr(route, "app"):
                    return True
            except Exception:
                continue
        return False

    return walk(app.routes)


def _user(store, email: str, role, teams: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from heard.store import NotFound, accounts

    try:
        return accounts.user_by_email(store, email)
    except NotFound:
        return accounts.create_user(
            store, email, role=role, name=email.split("@")[0], teams=teams, password=BENCH_PASSWORD
        )


def _token(store, user) -> str:  # type: ignore[no-untyped-def]
    from heard.store import Scope, UserRole, api_tokens

    scopes = [Scope.READ, Scope.WRITE] + ([Scope.ADMIN] if user.role == UserRole.ADMIN else [])
    _, token = api_tokens.create_token(store, user.id, scopes=scopes, name="heard bench store")
    return token


def _ingest(  # type: ignore[no-untyped-def]
    client, token: str, sample: int, batch: int, report, *, seed: int, clients: int = 1
) -> tuple[float, int]:
    """Seconds `sample` new conversations took to ingest in batches of `batch`, posted by
    `clients` clients at once, and the number of batches. Each client posts an equal share of
    the sample, one batch after another (its next when its last is answered), so the clients
    finish together: the figure is never one client posting a last batch alone."""
    from concurrent.futures import ThreadPoolExecutor

    from heard.demo.team import iter_conversations

    if sample == 0:
        return 0.0, 0
    stage = "ingest" if clients == 1 else f"ingest, {clients} clients"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conversations = list(iter_conversations(sample, seed=seed, weeks=WEEKS))
    share = -(-len(conversations) // clients)
    queues = [
        [
            '{"conversations":[' + ",".join(c.to_json() for c in chunk) + "]}"
            for chunk in _chunks(iter(conversations[start : start + share]), batch)
        ]
        for start in range(0, len(conversations), share)
    ]
    done = 0
    lock = threading.Lock()
    # every client on its own thread, all starting together (a thread that finished its
    # share early would otherwise go on with another client's)
    start = threading.Barrier(len(queues))
    report(stage, 0, sample)

    def post(bodies: list[str]) -> None:
        nonlocal done
        start.wait()
        for body in bodies:
            answer = client.post("/api/v1/conversations/batch", content=body, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(
                    f"batch ingest answered {answer.status_code}: {answer.text[:300]}"
                )
            with lock:
                done += len(answer.json()["items"])
                report(stage, done, sample)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(queues), thread_name_prefix="bench-client") as posting:
        for future in [posting.submit(post, queue) for queue in queues]:
            future.result()
    return time.perf_counter() - began, sum(len(q) for q in queues)


def _latencies(  # type: ignore[no-untyped-def]
    client, admin: str, lead: str, store, repeat: int, report, *, dashboard: bool, page: bool
) -> list[Latency]:
    """Each endpoint `repeat` times per role, with filters drawn at random (a fixed seed)."""
    rng = random.Random(0)
    visible = _visible_agents(store)
    agents = list(visible["admin"])
    latest = _latest_week(client, admin)
    words = search_words()

    def search() -> str:
        return " ".join(rng.sample(words, rng.choice((1, 1, 2))))

    behaviours = ["paraphrase", "open_question", "empathy", "reflection_of_feeling"]

    def filters() -> dict[str, object]:
        choice = rng.randrange(6)
        if choice == 5:  # what was read and done (heard.store.filters), one or two
            return rng.choice(
                [
                    {"emotion": rng.choice(["anger", "upset", "satisfaction"])},
                    {"escalated": "true"},
                    {"outcome": rng.choice(["at_risk", "likely_heard"])},
                    {"has_notes": "true"},
                    {"survey": "answered"},
                    {"emotion": "upset", "outcome": "at_risk"},
                ]
            )
        if choice == 0:
            return {}
        if choice == 1:
            return {"agent": rng.choice(agents)} if agents else {}
        if choice == 2:
            return {"channel": rng.choice(["chat", "call", "email"])}
        if choice == 3:
            weeks = rng.randrange(1, 5)
            return {"start": (latest - timedelta(weeks=weeks)).isoformat()}
        return {"min_score": rng.choice([40, 60, 70]), "done": rng.choice(behaviours)}

    def week_window() -> dict[str, object]:
        return {**filters(), "start": (latest - timedelta(days=7)).isoformat()}

    endpoints: dict[str, Callable[[], tuple[str, dict[str, object]]]] = {
        "list": lambda: ("/api/v1/conversations", filters()),
        "trends": lambda: ("/api/v1/trends", filters()),
        "distribution": lambda: ("/api/v1/distribution", filters()),
        "moments (a week)": lambda: ("/api/v1/moments", week_window()),
        "recognition": lambda: (
            "/api/v1/recognition",
            {"week": (latest - timedelta(weeks=rng.randrange(0, 4))).isoformat()},
        ),
        "agents": lambda: ("/api/v1/agents", {}),
        "search + filters": lambda: ("/api/v1/conversations", {"q": search(), **filters()}),
    }
    if page:  # the conversations page, searched, under the page's own filter names
        endpoints["/conversations (search + filters)"] = lambda: (
            "/conversations",
            {"q": search(), **_page_filters(filters())},
        )
    if dashboard:

        def dashboard_filters() -> dict[str, object]:
            choice = rng.randrange(3)
            if choice == 0:
                return {}
            if choice == 1:
                return {"channel": rng.choice(["chat", "call", "email"])}
            return {"date_from": (latest - timedelta(weeks=rng.randrange(1, 5))).isoformat()}

        endpoints["/dashboard"] = lambda: ("/dashboard", dashboard_filters())
    results = []
    total = len(endpoints) * 2 * repeat
    done = 0
    report("queries", 0, total)
    for role, token in (("admin", admin), ("lead", lead)):
        agents[:] = visible[role]
        headers = {"Authorization": f"Bearer {token}"}
        if dashboard:  # the pages read the session cookie
            client.cookies.clear()
            signed_in = client.post(
                "/api/v1/session",
                json={"email": f"bench-{role}@heard.example", "password": BENCH_PASSWORD},
            )
            if signed_in.status_code != 200:
                raise RuntimeError(f"sign-in as {role} answered {signed_in.status_code}")
        for name, make in endpoints.items():
            latency = Latency(endpoint=name, role=role)
            path, params = make()
            client.get(path, params=params, headers=headers)  # warm caches once
            for _ in range(repeat):
                path, params = make()
                began = time.perf_counter()
                answer = client.get(path, params=params, headers=headers)
                latency.seconds.append(time.perf_counter() - began)
                latency.statuses.add(answer.status_code)
                done += 1
                report("queries", done, total)
            results.append(latency)
    return results


def search_words(n: int = 300) -> list[str]:
    """Words a lead would search for: the longer words of the seed's first `n` conversations
    (customers' and agents' words alike, each once, in order)."""
    from heard.demo.team import iter_conversations

    found: dict[str, None] = {}
    for conversation in iter_conversations(n, seed=BENCH_SEED, weeks=WEEKS):
        for turn in conversation.turns:
            found.update(dict.fromkeys(w.lower() for w in _WORDS.findall(turn.text)))
    return list(found)


_WORDS = re.compile(r"[A-Za-z]{6,}")
"""A searched word: six letters or more (shorter ones are mostly words nobody searches for)."""


def _page_filters(api: dict[str, object]) -> dict[str, object]:
    """The API's list filters under the conversations page's names and values (its yes/no
    for a true/false)."""
    names = {"start": "date_from", "end": "date_to"}
    words = {"true": "yes", "false": "no"}
    return {names.get(k, k): words.get(str(v), v) for k, v in api.items()}


def _export(client, token: str, rows: int, report) -> Export:  # type: ignore[no-untyped-def]
    """The newest whole weeks holding at least `rows` conversations (all, when fewer are
    stored) exported as CSV by an admin, read as the server streams it."""
    headers = {"Authorization": f"Bearer {token}"}
    latest = _latest_week(client, token)
    since: date | None = latest
    while since is not None:
        page = client.get(
            "/api/v1/conversations",
            params={"limit": 1, "start": since.isoformat()},
            headers=headers,
        ).json()
        if page["total"] >= rows:
            break
        since = since - timedelta(weeks=1) if since > latest - timedelta(weeks=WEEKS + 1) else None
    params = {"format": "csv"} | ({} if since is None else {"start": since.isoformat()})
    report("export", 0, rows)
    sent = lines = 0
    began = time.perf_counter()
    with client.stream("GET", "/api/v1/export", params=params, headers=headers) as answer:
        if answer.status_code != 200:
            raise RuntimeError(f"export answered {answer.status_code}: {answer.read()[:300]!r}")
        for chunk in answer.iter_bytes():
            sent += len(chunk)
            lines += chunk.count(b"\n")
            report("export", lines, rows)
    seconds = time.perf_counter() - began
    return Export(rows=lines - 1, bytes=sent, seconds=seconds, since=since)


def _visible_agents(store) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    """The agents each bench role may see: each filters on its own (the conversations page
    refuses another team's agent, where the API lists none of theirs)."""
    from heard.store import Viewer, accounts

    lead = accounts.user_by_email(store, "bench-lead@heard.example").viewer()
    return {
        role: [a.id for a in store.list_agents(viewer)]
        for role, viewer in (("admin", Viewer.system()), ("lead", lead))
    }


def _latest_week(client, token: str) -> date:  # type: ignore[no-untyped-def]
    """The Monday of the newest week holding conversations."""
    answer = client.get(
        "/api/v1/conversations",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    items = answer.json()["items"]
    newest = date.fromisoformat(items[0]["occurred_at"][:10]) if items else date.today()
    return newest - timedelta(days=newest.weekday())
