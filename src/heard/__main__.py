"""`python -m heard`: the same as the `heard` command."""

from heard.cli.main import run

run()
