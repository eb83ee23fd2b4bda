"""Coaching an agent's own text: the reply checker (`reply_check`: a draft read as if it were
sent, `heard check-reply`) and coaching samples for people to judge (`samples`, `heard coach
samples`). The wording of every suggestion is heard.language.phrasing's."""
