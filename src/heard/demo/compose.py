"""One demo conversation from a scenario, a customer mood and the agent's skills that week.

Each listening behaviour is shown or not by a draw against the agent's skill; the moves of the
conversation pick a phrasing for what was drawn (a paraphrase or none, an open or a closed
question, the customer's details or generic words…), and the customer reacts: a repeat-ask
gets "I already gave it", a poor conversation ends unhappily. Calls get turn timings (and
overlaps when the agent interrupts), chats and emails get send times.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from heard.demo import moves
from heard.demo.people import card_number, customer_email, phone_number
from heard.demo.scenario import Concern, Scenario, slots
from heard.model import Channel, Conversation, Role

SOURCE = "heard-demo"
WORDS_PER_SECOND = 2.6
"""Speaking rate of call turns (about 155 words per minute)."""
FEELINGS = ("angry", "worried", "confused")
"""Moods that call for empathy."""


@dataclass(frozen=True)
class Person:
    """An agent or a customer as the conversation names them."""

    id: str
    name: str
    team: str | None = None

    @property
    def first(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class Plan:
    """What one conversation is about and who takes part."""

    id: str
    scenario: Scenario
    mood: str
    channel: Channel
    agent: Person
    customer: Person
    brand: str
    started_at: datetime
    week: int


def compose(
    rng: random.Random,
    plan: Plan,
    skills: dict[str, float],
    *,
    draws: dict[str, float] | None = None,
) -> Conversation:
    """The conversation for `plan`: each behaviour is shown when its draw (uniform in [0, 1);
    from `rng` unless given) falls below the agent's skill."""
    draws = draws or {skill: rng.random() for skill in skills}
    shown = {skill: draws[skill] < level for skill, level in skills.items()}
    s = slots(rng, plan.scenario, plan.brand)
    s["email"] = customer_email(rng, plan.customer.name)
    s["phone"] = phone_number(rng)
    s["name"] = plan.customer.first
    scenario = plan.scenario
    opening = rng.choice(scenario.openings)
    given = {"order"} if "{order}" in opening else set()
    contact = ""
    draw = rng.random()
    if draw < 0.18:
        contact = rng.choice(("My email is {email}.", "You can email me at {email}."))
        given.add("email")
    elif draw < 0.32:
        contact = rng.choice(("You can reach me on {phone}.", "My number is {phone}."))
        given.add("phone")
    elif draw < 0.38:
        contact = "The card number is " + card_number(rng) + "."
    concern = rng.choice(scenario.concerns) if rng.random() < 0.85 else None
    builder = _Builder(rng, plan, shown, s, given)
    if plan.channel == Channel.EMAIL:
        turns = builder.email(opening, contact, concern)
    else:
        turns = builder.spoken_or_chat(opening, contact, concern)
    # validated once as a whole (one call into pydantic-core is faster than a model per turn)
    return Conversation.model_validate(
        dict(
            id=plan.id,
            external_id=plan.id,
            source=SOURCE,
            channel=plan.channel,
            language="en-US",
            started_at=plan.started_at,
            agent={"id": plan.agent.id, "name": plan.agent.name, "team": plan.agent.team},
            customer={"id": plan.customer.id, "name": plan.customer.name},
            turns=turns,
            metadata={
                "demo": {
                    "scenario": scenario.key,
                    "mood": plan.mood,
                    "week": plan.week + 1,
                    "shown": sorted(k for k, v in shown.items() if v),
                    "asked_again": builder.repeat_asked,
                    "second_question": concern is not None,
                }
            },
        )
    )


class _Builder:
    """Writes the turns of one conversation."""

    def __init__(
        self,
        rng: random.Random,
        plan: Plan,
        shown: dict[str, bool],
        values: dict[str, str],
        given: set[str],
    ) -> None:
        self.rng = rng
        self.plan = plan
        self.shown = shown
        self.values = values
        self.given = given
        self.repeat_asked: list[str] = []

    def fill(self, template: str) -> str:
        return template.format(**self.values)

    def pick(self, options: tuple[str, ...]) -> str:
        return self.fill(self.rng.choice(options))

    # --- the agent's moves ------------------------------------------------------------------

    def acknowledgement(self) -> str:
        return self.pick(
            moves.ACKNOWLEDGEMENTS if self.shown["acknowledgement"] else moves.COLD_STARTS
        )

    def name(self) -> str:
        if not self.shown["personalisation"]:
            return ""
        if not self.shown["acknowledgement"]:  # thanks for the name would acknowledge it
            return f"Hi {self.plan.customer.first}."
        return self.rng.choice(("Thanks, {name}.", "Hi {name}.", "{name}, thank you.")).format(
            name=self.plan.customer.first
        )

    def feeling(self) -> list[str]:
        mood = self.plan.mood
        if mood not in FEELINGS or not self.shown["empathy"]:
            return []
        return [self.pick(moves.REFLECTIONS[mood]), self.pick(moves.EMPATHY[mood])]

    def dismissive(self) -> list[str]:
        if self.shown["no_dismissive_language"]:
            return []
        key = "angry" if self.plan.mood == "angry" else "any"
        return [self.pick(moves.DISMISSIVE[key])]

    def paraphrase(self) -> list[str]:
        if not self.shown["paraphrase"]:
            return []
        body = self.pick(self.plan.scenario.paraphrases)
        return [
            self.rng.choice(moves.PARAPHRASE_OPENERS) + body + "." + self.rng.choice(moves.CHECKS)
        ]

    def details_or_asks(self) -> list[str]:
        """Confirm what the customer gave, or (a poor listener) ask for it again."""
        out = []
        for item in sorted(self.given):
            if not self.shown["no_repeat_asks"]:
                out.append(self.pick(moves.REPEAT_ASKS[item]))
                self.repeat_asked.append(item)
            elif self.shown["personalisation"]:
                out.append(self.pick(moves.CONFIRMS[item]))
        return out

    def question(self) -> str:
        scenario = self.plan.scenario
        if self.shown["open_questions"]:
            return self.pick(scenario.open_questions)
        return self.pick(scenario.closed_questions)

    def action(self) -> list[str]:
        scenario = self.plan.scenario
        out = [
            self.pick(
                scenario.actions if self.shown["personalisation"] else scenario.generic_actions
            )
        ]
        if not self.shown["plain_language"]:
            out.append(self.pick(scenario.jargon))
        return out

    def resolution(self) -> str:
        return self.rng.choice(
            moves.RESOLUTION_CHECKS if self.shown["resolution_check"] else moves.NO_CHECK
        )

    # --- the customer's moves ---------------------------------------------------------------

    def answer(self) -> str:
        parts = []
        for item in self.repeat_asked:
            parts.append(self.pick(moves.REPEAT_ANSWERS[item]))
        parts.append(self.pick(self.plan.scenario.answers))
        parts.append(self.rng.choice(moves.MOOD_ANSWER_TAGS[self.plan.mood]))
        return _join(parts)

    def ending(self) -> str:
        share = sum(self.shown.values()) / len(self.shown)
        if share >= 0.6:
            return self.rng.choice(moves.CUSTOMER_THANKS)
        if share <= 0.35:
            return self.rng.choice(moves.CUSTOMER_UNHAPPY)
        return self.rng.choice(moves.CUSTOMER_OKAY)

    # --- whole conversations ----------------------------------------------------------------

    def spoken_or_chat(
        self, opening: str, contact: str, concern: Concern | None
    ) -> list[dict[str, Any]]:
        call = self.plan.channel == Channel.CALL
        values = {"brand": self.plan.brand, "agent": self.plan.agent.first}
        greeting = self.rng.choice(moves.GREETINGS_CALL if call else moves.GREETINGS_CHAT)
        script: list[tuple[Role, str]] = [(Role.AGENT, greeting.format(**values))]
        intro = (
            self.rng.choice(moves.CALL_INTRODUCTIONS).format(customer=self.plan.customer.name)
            if call
            else ""
        )
        mood = self.rng.choice(moves.MOOD_OPENERS[self.plan.mood])
        script.append((Role.CUSTOMER, _join([intro, mood, self.fill(opening), self.fill(contact)])))
        reply = [
            self.acknowledgement(),
            self.name(),
            *self.feeling(),
            *self.dismissive(),
            *self.paraphrase(),
            self.question(),
            *self.details_or_asks(),
        ]
        script.append((Role.AGENT, _join(reply)))
        interrupting = not self.shown["not_interrupting"]
        answer = self.answer()
        talk_over_at: int | None = None
        if interrupting and not call:
            # a reply typed while the customer is still writing their answer
            first, _, rest = answer.partition(". ")
            if not rest:
                first, rest = answer.removesuffix("."), self.rng.choice(moves.AFTERTHOUGHTS)
            script.append((Role.CUSTOMER, first + "."))
            talk_over_at = len(script)
            script.append((Role.AGENT, self.rng.choice(moves.CHAT_INTERJECTIONS)))
            if not re.match(r"(?i)(and|but|or|because|sorry, hit enter)\b", rest):
                rest = "and " + rest[:1].lower() + rest[1:]  # carrying on the first half
            script.append((Role.CUSTOMER, rest))
        else:
            script.append((Role.CUSTOMER, answer))
        script.append((Role.AGENT, _join(self.action())))
        if concern is not None:
            script.append((Role.CUSTOMER, self.fill(concern.question)))
            if not self.shown["answers_concerns"]:
                # the customer has to ask again; only then the agent answers
                script.append((Role.AGENT, self.rng.choice(moves.IGNORING_REPLIES)))
                again = self.rng.choice(moves.NOT_ANSWERED)
                script.append((Role.CUSTOMER, again.format(question=self.fill(concern.question))))
            script.append((Role.AGENT, _join([self.fill(concern.answer), self.resolution()])))
        else:
            script.append((Role.CUSTOMER, self.rng.choice(moves.CUSTOMER_OKAY)))
            script.append((Role.AGENT, self.resolution() or "Thanks for waiting."))
        script.append((Role.CUSTOMER, self.ending()))
        closing = self.rng.choice(moves.CLOSINGS_CALL if call else moves.CLOSINGS_CHAT)
        script.append(
            (Role.AGENT, closing.format(brand=self.plan.brand, name=self.plan.customer.first))
        )
        if call:
            return self._timed(script, interrupting=interrupting)
        return self._sent(script, talk_over_at=talk_over_at)

    def email(self, opening: str, contact: str, concern: Concern | None) -> list[dict[str, Any]]:
        customer = self.plan.customer
        mood = self.rng.choice(moves.MOOD_OPENERS[self.plan.mood])
        body = _join([mood, self.fill(opening), self.fill(contact)])
        if concern is not None:
            body += "\n\nAlso, " + _lower_first(self.fill(concern.question))
        first_mail = f"Hi,\n\n{body}\n\nThanks,\n{customer.name}"
        personal = self.shown["personalisation"]
        salutation = f"Hi {customer.first}," if personal else "Dear customer,"
        points = [
            self.acknowledgement(),
            *self.feeling(),
            *self.dismissive(),
            *self.paraphrase(),
            *self.details_or_asks(),
            *self.action(),
        ]
        if concern is not None and self.shown["answers_concerns"]:
            points.append(self.fill(concern.answer))  # else the reply just leaves it out
        check = self.resolution()
        if not personal:
            points.append("We apologise for any inconvenience caused.")
        sign = f"{self.plan.agent.first}\n{self.plan.brand}"
        reply = f"{salutation}\n\n{_join(points)}\n\n{check or 'Kind regards,'}\n{sign}".replace(
            "\n\n\n", "\n\n"
        )
        answer = _join([*(self.pick(moves.REPEAT_ANSWERS[i]) for i in self.repeat_asked)])
        if concern is not None and not self.shown["answers_concerns"]:
            again = self.rng.choice(moves.NOT_ANSWERED)
            answer = _join([answer, again.format(question=self.fill(concern.question))])
        last = _join([answer, self.ending()]) + f"\n\n{customer.first}"
        script = [(Role.CUSTOMER, first_mail), (Role.AGENT, reply), (Role.CUSTOMER, last)]
        turns = []
        at = self.plan.started_at
        for index, (role, text) in enumerate(script):
            if index:
                at += timedelta(minutes=self.rng.randint(25, 600))
            turns.append(
                dict(
                    index=index,
                    role=role,
                    text=text,
                    speaker_id=self._speaker(role),
                    sent_at=at,
                    subject=("Re: " if index else "") + self.fill(self.plan.scenario.subject),
                )
            )
        return turns

    # --- times --------------------------------------------------------------------------------

    def _speaker(self, role: Role) -> str:
        return self.plan.agent.id if role == Role.AGENT else self.plan.customer.id

    def _timed(self, script: list[tuple[Role, str]], *, interrupting: bool) -> list[dict[str, Any]]:
        """Call turns with start and end times; an interrupting agent starts some replies
        before the customer has finished (a real overlap, not a backchannel)."""
        rng = self.rng
        cut_in = set()
        if interrupting:
            # replies that follow a customer turn long enough to be cut short
            replies = [
                i
                for i in range(1, len(script) - 1)
                if script[i][0] == Role.AGENT
                and script[i - 1][0] == Role.CUSTOMER
                and len(script[i - 1][1].split()) >= 8
            ]
            cut_in = set(rng.sample(replies, k=min(len(replies), rng.randint(1, 2))))
        turns: list[dict[str, Any]] = []
        clock = 0.0
        previous_start = 0.0
        for index, (role, text) in enumerate(script):
            words = len(text.split())
            duration = max(0.8, words / WORDS_PER_SECOND) * rng.uniform(0.9, 1.12)
            if index == 0:
                start = 0.0
            elif index in cut_in:
                start = clock - rng.uniform(1.2, min(2.6, (clock - previous_start) / 2))
            else:
                start = clock + rng.uniform(0.3, 1.4)
            end = start + duration
            turns.append(
                dict(
                    index=index,
                    role=role,
                    text=text,
                    speaker_id=self._speaker(role),
                    start=round(start, 2),
                    end=round(end, 2),
                )
            )
            previous_start = start
            clock = max(clock, end)
        return turns

    def _sent(
        self, script: list[tuple[Role, str]], *, talk_over_at: int | None
    ) -> list[dict[str, Any]]:
        """Chat messages with send times; the talked-over burst is under 30 s end to end."""
        rng = self.rng
        turns: list[dict[str, Any]] = []
        at = self.plan.started_at
        for index, (role, text) in enumerate(script):
            if index and talk_over_at is not None and index == talk_over_at:
                at += timedelta(seconds=rng.randint(6, 12))
            elif index and talk_over_at is not None and index == talk_over_at + 1:
                # already typed when the interjection came: it lands a moment later
                at += timedelta(seconds=rng.randint(1, 2))
            elif index:
                typing = len(text.split()) * rng.uniform(0.8, 1.6)
                at += timedelta(seconds=round(rng.uniform(8, 25) + typing))
            turns.append(
                dict(
                    index=index,
                    role=role,
                    text=text,
                    speaker_id=self._speaker(role),
                    sent_at=at,
                )
            )
        return turns


def _join(parts: list[str]) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text and not text.startswith("I ") else text
