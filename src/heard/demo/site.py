"""The demo site's store: the bundled examples and a generated team ingested with analysis,
users to sign in as (a lead per team, every demo agent, an admin), a few coaching notes, an open
dispute per team and simulated survey answers so every page of the team app has something to
show."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heard.demo.team import TEAMS, DemoTeam, generate_team
from heard.ingest import IngestService
from heard.model import Conversation, Polarity, Scorecard
from heard.store import (
    ConversationFilter,
    Store,
    UserRole,
    Viewer,
    accounts,
    coaching_notes,
    disputes,
    surveys,
)
from heard.store.records import NoteStatus

DEMO_PASSWORD = "listen-well"
"""Every demo user's password (the demo serves on the loopback address; never use it for real)."""

DOMAIN = "larkspur.example"
BATCH = 200
"""Conversations ingested per transaction (the progress bar moves once per batch)."""

SURVEYS_PER_AGENT = 6
"""Simulated survey answers per demo agent."""


@dataclass(frozen=True)
class SignIn:
    """Who can sign in to the demo, and as what."""

    role: UserRole
    email: str
    password: str
    name: str
    detail: str = ""


@dataclass
class DemoSite:
    """What `seed_store` put in the store."""

    team: DemoTeam
    conversations: int
    sign_ins: list[SignIn] = field(default_factory=list)
    notes: int = 0
    disputes: int = 0
    surveys: int = 0

    def first(self, role: UserRole) -> SignIn:
        return next(s for s in self.sign_ins if s.role == role)


Progress = Callable[[int, int], None]
"""Called with (conversations stored, conversations in all) after each batch."""


def lead_email(team: str) -> str:
    """lead.<team as a slug>@larkspur.example."""
    slug = re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-") or "team"
    return f"lead.{slug}@{DOMAIN}"


def example_conversations(folder: Path) -> list[Conversation]:
    """The conversations of every examples/*.json file."""
    from heard.importers import read_file

    return [c for path in sorted(folder.glob("*.json")) for c in read_file(path)[1]]


def seed_store(
    store: Store,
    *,
    ingest: IngestService | None = None,
    examples: Sequence[Conversation] = (),
    weeks: int = 8,
    agents_per_team: int = 5,
    per_agent_per_week: int = 12,
    seed: int = 7,
    password: str = DEMO_PASSWORD,
    progress: Progress | None = None,
) -> DemoSite:
    """Fill an empty store with the demo: examples and the generated team (analysed), users,
    coaching notes and survey answers. Deterministic for a seed (but for dates: the team's
    last week is the one just past). Conversations are stored through `ingest` (default: an
    ingest service on this process)."""
    ingest = ingest or IngestService(store)
    team = generate_team(
        seed=seed,
        weeks=weeks,
        agents_per_team=agents_per_team,
        per_agent_per_week=per_agent_per_week,
    )
    everything = [*examples, *team.conversations]
    done = 0
    for start in range(0, len(everything), BATCH):
        chunk = everything[start : start + BATCH]
        ingest.ingest(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, len(everything))
    site = DemoSite(team=team, conversations=len(everything))
    system = Viewer.system()
    teams = [t.name for t in store.list_teams(system)]
    leads: dict[str, int] = {}
    for name in sorted(teams, key=lambda t: (t not in TEAMS, t)):
        user = accounts.create_user(
            store,
            lead_email(name),
            role=UserRole.LEAD,
            password=password,
            name=f"{name} lead",
            teams=[name],
        )
        leads[name] = user.id
        site.sign_ins.append(
            SignIn(UserRole.LEAD, user.email, password, user.name or "", f"leads {name}")
        )
    agent_users: dict[str, int] = {}
    for agent in team.agents:
        user = accounts.create_user(
            store,
            agent.email,
            role=UserRole.AGENT,
            password=password,
            name=agent.name,
            agent_external_id=agent.id,
        )
        agent_users[agent.id] = user.id
        site.sign_ins.append(
            SignIn(UserRole.AGENT, user.email, password, agent.name, f"agent in {agent.team}")
        )
    admin = accounts.create_user(
        store, f"admin@{DOMAIN}", role=UserRole.ADMIN, password=password, name="Demo admin"
    )
    site.sign_ins.append(SignIn(UserRole.ADMIN, admin.email, password, "Demo admin", "sees all"))
    site.notes = _coaching_notes(store, team, leads, agent_users)
    site.disputes = _disputes(store, team, agent_users)
    site.surveys = _surveys(store, team, seed=seed)
    return site


def _coaching_notes(
    store: Store, team: DemoTeam, leads: dict[str, int], agent_users: dict[str, int]
) -> int:
    """Two notes for each team's first agent on their weakest recent conversations (the first
    stays open, the second is disputed), one acknowledged note for the second agent."""
    written = 0
    by_external = {a.external_id: a.id for a in store.list_agents(Viewer.system())}
    for team_name, lead_id in leads.items():
        members = [a for a in team.agents if a.team == team_name][:2]
        lead = accounts.get_user(store, lead_id).viewer()
        for position, member in enumerate(members):
            agent_row = by_external.get(member.id)
            if agent_row is None:
                continue
            weakest = store.list_conversations(
                lead, ConversationFilter(agent_id=agent_row), limit=2, order="score"
            ).items
            texts = (
                "Here the customer named the worry twice — say it back before the fix.",
                "Try a question that lets them explain, not a yes/no.",
            )
            for number, summary in enumerate(weakest[: 2 if position == 0 else 1]):
                detail = store.get_conversation(lead, summary.id)
                turn = _coachable_turn(detail.scorecard)
                note = coaching_notes.create_note(
                    store, lead, summary.id, text=texts[number % 2], turn=turn
                )
                written += 1
                agent = accounts.get_user(store, agent_users[member.id]).viewer()
                if position == 0 and number == 1:
                    coaching_notes.respond_to_note(
                        store,
                        agent,
                        note.id,
                        status=NoteStatus.DISPUTED,
                        text="The customer had already hung up by then.",
                    )
                elif position == 1:
                    coaching_notes.respond_to_note(
                        store, agent, note.id, status=NoteStatus.ACKNOWLEDGED
                    )
    return written


def _disputes(store: Store, team: DemoTeam, agent_users: dict[str, int]) -> int:
    """An open dispute for each team's first agent: they disagree with a poor-listening
    finding on their weakest conversation, so each lead's inbox has one to decide."""
    raised = 0
    for team_name in dict.fromkeys(a.team for a in team.agents):
        member = next(a for a in team.agents if a.team == team_name)
        agent = accounts.get_user(store, agent_users[member.id]).viewer()
        for summary in store.list_conversations(agent, limit=5, order="score").items:
            found = [
                t
                for t in disputes.targets(store, agent, summary.id)
                if t.kind == disputes.DisputeKind.FINDING and t.polarity == "negative"
            ]
            if found:
                disputes.raise_dispute(
                    store,
                    agent,
                    summary.id,
                    finding=found[0].key.removeprefix("finding:"),
                    reason="The customer asked me to keep it short; I was not brushing them off.",
                )
                raised += 1
                break
    return raised


def _coachable_turn(scorecard: Scorecard | None) -> int | None:
    """The turn of the scorecard's first missed moment, else its first finding's turn."""
    if scorecard is None:
        return None
    findings = [f for f in scorecard.findings if f.spans]
    negative = [f for f in findings if f.polarity == Polarity.NEGATIVE]
    chosen = (negative or findings)[:1]
    return chosen[0].spans[0].turn if chosen else None


def _surveys(store: Store, team: DemoTeam, *, seed: int) -> int:
    """Simulated customer answers that follow the Listening Score with noise, for the feedback
    chart (clearly demo data: no real customer answered)."""
    rng = random.Random(f"{seed}/surveys")
    system = Viewer.system()
    by_external = {a.external_id: a.id for a in store.list_agents(system)}
    answered = 0
    for agent in team.agents:
        agent_row = by_external.get(agent.id)
        if agent_row is None:
            continue
        page = store.list_conversations(system, ConversationFilter(agent_id=agent_row), limit=60)
        for summary in rng.sample(page.items, min(SURVEYS_PER_AGENT, len(page.items))):
            if summary.listening_score is None:
                continue
            base = 1 + summary.listening_score / 25
            csat = max(1, min(5, round(base + rng.gauss(0, 0.7))))
            felt = max(1, min(5, round(base + rng.gauss(0, 0.6))))
            surveys.submit_feedback(store, summary.id, csat=csat, felt_heard=felt, comment=None)
            answered += 1
    return answered
