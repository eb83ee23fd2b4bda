"""Language shared by every layer above: the word lists (`lexicon`, data files in lexicons/)
and the wording of what heard suggests (`phrasing`: the customer's words said back in the
agent's voice). It imports nothing of heard, so detectors, scoring, live nudges, the reply
checker and training features all read words one way (docs/architecture.md)."""
