"""Scorecards as the store keeps them, and the version of the analysis that made them.

`card_rows` turns a Scorecard into the rows the store writes (`heard.store.analysed.CardRows`);
`analysis_version` names what an analyzer produces (its rubric and detector versions, the code
and data of heard's analysis, and the encoder and outcome model they judge by), so a rescore
finds the scorecards made otherwise.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import orjson

import heard
from heard import embed
from heard.analysis import Analyzer
from heard.analysis.detector import Requirement
from heard.analysis.rubric import Rubric
from heard.learn import default_outcome_path, outcome_model_path
from heard.model import Scorecard, strongest_emotion
from heard.store.analysed import AnalysisVersion, CardRows, digest

ANALYSIS_PACKAGES = ("analysis", "detectors", "language", "model", "weights")
"""heard's packages whose files make a scorecard: the analysis and its rubrics, the detectors,
the lexicons and phrasing, the data model, the shipped weights."""

ESCALATION = "escalation_cue"
"""The behaviour of a customer escalation cue: a scorecard with one is escalated."""


def card_rows(scorecard: Scorecard) -> CardRows:
    """`scorecard` as the store keeps it: the scorecard row, its components and verdicts."""
    counts: dict[str, int] = defaultdict(int)
    for finding in scorecard.findings:
        counts[finding.behaviour] += 1
    return CardRows(
        listening_score=scorecard.listening_score,
        body=scorecard.model_dump_json(exclude_defaults=True),
        detectors=orjson.dumps(scorecard.detectors, option=orjson.OPT_SORT_KEYS).decode(),
        components=[(c.component, c.score) for c in scorecard.components],
        verdicts=[
            (item.behaviour, item.component, item.verdict.value, counts.get(item.behaviour, 0))
            for item in scorecard.checklist
        ],
        emotion=strongest_emotion(scorecard.emotions),
        escalated=counts.get(ESCALATION, 0) > 0,
        felt_heard=scorecard.outcome.felt_heard if scorecard.outcome else None,
    )


def analysis_version(analyzer: Analyzer) -> AnalysisVersion:
    """(rubric ref, rubric digest, detectors digest) of what `analyzer` would produce."""
    detectors = {d.name: d.name.rsplit(".", 1)[-1] for d in analyzer.detectors}
    # a detector's name carries its version ("heard.concerns.v1"), but a lexicon or a phrase
    # changes what it finds without it: the files themselves say what made the scorecard
    detectors["heard"] = analysis_code()
    if any(Requirement.EMBEDDINGS in d.requires for d in analyzer.detectors):
        detectors["embeddings"] = embed.identity()  # the vectors these detectors judge by
    if analyzer.outcome and outcome_model_path() != default_outcome_path():
        # a team's own outcome model (HEARD_OUTCOME_MODEL): `heard rescore` refills `outcome`
        from heard.learn.outcome import default_outcome_model

        model = default_outcome_model()
        detectors["outcome"] = model if isinstance(model, str) else model.name
    return (
        analyzer.rubric.ref,
        rubric_digest(analyzer.rubric),
        digest(orjson.dumps(detectors, option=orjson.OPT_SORT_KEYS)),
    )


def rubric_digest(rubric: Rubric) -> str:
    return digest(rubric.model_dump_json())


@cache
def analysis_code() -> str:
    """The digest of every file of heard's `ANALYSIS_PACKAGES` as installed here (once a
    process): an upgrade that changes any of them, a word list as much as a detector's code,
    makes every stored scorecard stale for `heard rescore`."""
    return files_digest(Path(heard.__file__).parent, ANALYSIS_PACKAGES)


def files_digest(root: Path, packages: Iterable[str]) -> str:
    """The SHA-256 of the files under `root`/`packages` (their paths and contents, in path
    order; compiled files left out)."""
    found = hashlib.sha256()
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            found.update(path.relative_to(root).as_posix().encode() + b"\0")
            found.update(path.read_bytes() + b"\0")
    return found.hexdigest()
