"""Coaching language shared by tips, nudges and the reply checker (see heard.coaching.language)."""

from heard.coaching.language import (
    ask_back,
    clauses,
    fill,
    grammar_problems,
    join_words,
    quoted,
    said_back_problems,
    say_back,
    second_person,
    sentence,
    verbatim,
    worth_saying_back,
)

__all__ = [
    "ask_back",
    "clauses",
    "fill",
    "grammar_problems",
    "join_words",
    "quoted",
    "said_back_problems",
    "say_back",
    "second_person",
    "sentence",
    "verbatim",
    "worth_saying_back",
]
