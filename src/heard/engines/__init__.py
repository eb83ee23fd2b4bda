"""Batch engines: where the analysis of many conversations runs.

An engine maps batches of conversations to scorecards (`Engine.score`), streaming each
batch's results back in input order while later batches are analysed, reports progress and
can be cancelled. Two engines:

- `local` (the default): spawned worker processes on this machine (`heard.engines.local`);
- `ray`: the actors of a Ray cluster, an existing one (`--ray-address`) or a local one started
  for the run (`heard.engines.ray`; ``pip install 'heard[ray]'``).

Every engine cuts a batch into the same parts (`PART_SIZE` conversations), finds the batch's
near-duplicate replies in the calling process (`Analyzer.template_hints`) and analyses each
part with its hints on a worker (`score_part`), so the scorecards are the same, byte for byte,
whichever engine and however many workers ran them.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from heard.errors import HeardError
from heard.model import Conversation, Scorecard

if TYPE_CHECKING:
    from heard.analysis import Analyzer
    from heard.analysis.analyzer import TemplateHint
    from heard.analysis.rubric import Rubric

ENGINES = ("local", "ray")
"""The engine names `--engine` and ``HEARD_ENGINE`` accept."""

PART_SIZE = 64
"""Conversations a worker analyses in one task. Fixed (not derived from the number of workers)
because a part is analysed together (embeddings encoded in one call), so every engine and
worker count must cut a batch alike to give the same scorecards byte for byte."""

AHEAD = 2
"""Parts per worker sent before the first result is awaited: workers never wait for the next
part, and no more than this many parts per worker are held in memory."""


class EngineError(HeardError):
    """An engine cannot start or a worker failed; the message says what to do. `usage`: the
    engine asked for is unknown or not installed (a usage error, not a failure of the run)."""

    code = "engine"

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True, slots=True)
class Scored:
    """One conversation's analysis as an engine returns it: the scorecard as JSON (as
    `Scorecard.model_dump_json` writes it, so every engine gives the same bytes) and the
    detectors that could not judge it, with why."""

    conversation_id: str
    scorecard_json: str
    skipped: dict[str, str]

    @property
    def scorecard(self) -> Scorecard:
        return Scorecard.model_validate_json(self.scorecard_json)


Progress = Callable[[int], None]
"""Called with the number of conversations just finished."""


class Engine(Protocol):
    """What every engine offers (use it as a context manager: `close` on leaving)."""

    name: ClassVar[str]
    workers: int

    def score(
        self, batches: Iterable[Sequence[Conversation]], *, progress: Progress | None = None
    ) -> Iterator[list[Scored]]:
        """The analysis of each batch, one list per batch, in input order. Batches are read
        from `batches` only as workers free up, so a stream of millions never sits in memory;
        `progress` is called as parts finish."""
        ...

    def cancel(self) -> None:
        """Drop the work not yet started and stop the workers (safe from a signal handler)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...


def engine_name(value: str | None = None) -> str:
    """The engine to use: `value`, else ``HEARD_ENGINE``, else local; an EngineError names the
    choices when it is none of them."""
    name = (value or os.environ.get("HEARD_ENGINE") or "local").strip().lower()
    if name not in ENGINES:
        origin = "--engine" if value else "HEARD_ENGINE"
        raise EngineError(
            f"{origin}: unknown engine {name!r}; use one of: {', '.join(ENGINES)}", usage=True
        )
    return name


def open_engine(
    name: str | None = None,
    *,
    workers: int | None = None,
    rubric: Rubric | None = None,
    detectors: list[str] | None = None,
    ray_address: str | None = None,
) -> Engine:
    """Start the engine called `name` (see `engine_name`) with `workers` workers (default:
    every core here; on a Ray cluster, one per CPU it has), analysing with `rubric` and the
    `detectors` named (default: heard's rubric and every registered detector)."""
    from heard.analysis import Analyzer

    analyzer = Analyzer(rubric=rubric, only=detectors)
    match engine_name(name):
        case "ray":
            from heard.engines.ray import RayEngine

            return RayEngine(analyzer, workers=workers, address=ray_address)
        case _:
            from heard.engines.local import LocalEngine

            if ray_address:
                raise EngineError("--ray-address is for --engine ray", usage=True)
            return LocalEngine(analyzer, workers=workers or os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a batch as a worker receives it: conversations as JSON, with the batch's
    near-duplicate hints renumbered for the part."""

    bodies: list[str]
    hints: list[TemplateHint]


def cut(analyzer: Analyzer, batch: Sequence[Conversation]) -> list[Part]:
    """`batch` cut in parts of `PART_SIZE`, each with its share of the batch's hints."""
    conversations = list(batch)
    hints = analyzer.template_hints(conversations) if len(conversations) > 1 else []
    parts = []
    for start in range(0, len(conversations), PART_SIZE):
        end = start + PART_SIZE
        parts.append(
            Part(
                bodies=[c.to_json() for c in conversations[start:end]],
                hints=[
                    replace(h, conversation=h.conversation - start)
                    for h in hints
                    if start <= h.conversation < end
                ],
            )
        )
    return parts


def score_part(analyzer: Analyzer, part: Part) -> list[Scored]:
    """Analyse one part on a worker (any engine's)."""
    conversations = [Conversation.model_validate_json(b) for b in part.bodies]
    analyses = analyzer.analyze_many(conversations, hints=part.hints)
    return [
        Scored(c.id, a.scorecard.model_dump_json(), a.skipped)
        for c, a in zip(conversations, analyses, strict=True)
    ]


def worker_settings(analyzer: Analyzer) -> tuple[str, list[str]]:
    """What a worker needs to build an Analyzer like `analyzer`: rubric JSON, detector names."""
    return analyzer.rubric.model_dump_json(), [d.name for d in analyzer.detectors]


class Pipeline:
    """The part every engine shares: cut batches in parts, keep `AHEAD` parts per worker in
    flight, hand results back batch by batch in order. An engine supplies `_submit` (start one
    part, return a handle) and `_wait` (the part's results)."""

    name: ClassVar[str] = ""

    def __init__(self, analyzer: Analyzer, *, workers: int) -> None:
        self.analyzer = analyzer
        self.workers = workers
        self.cancelled = False

    def _submit(self, part: Part) -> Any:
        raise NotImplementedError

    def _wait(self, handle: Any) -> list[Scored]:
        raise NotImplementedError

    def score(
        self, batches: Iterable[Sequence[Conversation]], *, progress: Progress | None = None
    ) -> Iterator[list[Scored]]:
        limit = max(1, self.workers * AHEAD)
        pending: deque[list[Any]] = deque()  # handles of each batch sent, oldest first
        in_flight = 0

        def oldest() -> list[Scored]:
            nonlocal in_flight
            handles = pending.popleft()
            in_flight -= len(handles)
            results: list[Scored] = []
            for handle in handles:
                done = self._wait(handle)
                results.extend(done)
                if progress is not None:
                    progress(len(done))
            return results

        for batch in batches:
            if self.cancelled:
                break
            if not batch:
                pending.append([])
                continue
            handles = [self._submit(part) for part in cut(self.analyzer, batch)]
            pending.append(handles)
            in_flight += len(handles)
            while in_flight > limit and len(pending) > 1:
                yield oldest()
        while pending and not self.cancelled:
            yield oldest()

    def cancel(self) -> None:
        self.cancelled = True

    def close(self) -> None:
        pass

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
