"""`heard check-reply`: check an agent's draft reply against the conversation so far."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from heard.cli.importing import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, check_format
from heard.cli.output import JsonOpt, console, errors, print_json
from heard.errors import InputError, Location

EXIT_ISSUES = EXIT_SOME_FAILED
"""Exit code when the draft has issues (1, as when some files fail elsewhere)."""


def register(app: typer.Typer) -> None:
    @app.command("check-reply")
    def check_reply_command(
        conversation: Annotated[
            Path,
            typer.Option(
                "--conversation",
                "-c",
                help="The conversation so far, in any import format (see heard formats).",
            ),
        ],
        draft: Annotated[
            Path,
            typer.Option("--draft", "-d", help="The draft reply, as plain text ('-' for stdin)."),
        ],
        format: Annotated[
            str,
            typer.Option("--format", help="Format of the conversation file, or auto."),
        ] = "auto",
        conversation_id: Annotated[
            str | None,
            typer.Option("--id", help="Which conversation, when the file holds several."),
        ] = None,
        json: JsonOpt = False,
    ) -> None:
        """Check a draft chat or email reply before sending it: concerns it leaves unanswered
        (named), a missing acknowledgement for an upset customer, jargon, template-like text,
        no next step, and other negative findings (dismissive, blame, condescending, hard to
        read…), each with a suggestion, most important first. Exit codes: 0 no issues, 1
        issues found, 2 bad input.
        """
        from heard.analysis import Analyzer
        from heard.coaching.reply_check import check_reply, pick_conversation
        from heard.importers import read_file

        check_format(format)
        try:
            _, conversations = read_file(conversation, format=format)
            chosen = pick_conversation(
                conversations, conversation_id, where=Location(file=str(conversation))
            )
            text = _draft(draft)
            result = check_reply(chosen, text, analyzer=Analyzer())
        except InputError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_USAGE) from None
        if json:
            print_json(result.model_dump(mode="json"))
        elif result.ok:
            console.print("[green]✓[/green] No issues: the draft reads well.")
        else:
            count = len(result.issues)
            console.print(f"[bold]{count} issue{'s' if count != 1 else ''}[/bold] in the draft:")
            for number, issue in enumerate(result.issues, 1):
                where = f" (characters {issue.span.start}–{issue.span.end})" if issue.span else ""
                # One line per issue and per suggestion, whatever the terminal's width.
                console.print(
                    f"{number}. [bold]{issue.kind}[/bold]{where}: {escape(issue.message)}",
                    soft_wrap=True,
                )
                console.print(f"   → {escape(issue.suggestion)}", soft_wrap=True)
        raise typer.Exit(EXIT_OK if result.ok else EXIT_ISSUES)


def _draft(path: Path) -> str:
    """The draft's text, from a file or standard input."""
    where = Location(file=str(path))
    if str(path) == "-":
        return typer.get_text_stream("stdin").read()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read the draft: {exc.strerror or exc}",
            where=where,
            expected="a plain-text file",
            code="not_a_file",
        ) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"byte {exc.start} is not valid UTF-8",
            where=where,
            expected="UTF-8 text",
            code="encoding",
        ) from exc
    if not text.strip():
        raise InputError(
            "the draft is empty", where=where, expected="the reply's text", code="empty"
        )
    return text.rstrip("\n")
