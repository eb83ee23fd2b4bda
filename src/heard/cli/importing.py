"""`heard import`, `heard formats` and `heard show`: read exports into conversations."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from heard.cli.output import JsonOpt, console, errors, print_json
from heard.errors import InputError
from heard.importers import ImportOptions, importers
from heard.importers.base import DEFAULT_MAX_BYTES, Source
from heard.importers.registry import load_source, read_source
from heard.model import Channel, Conversation, Role

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2


@dataclass
class FileResult:
    """What importing one file gave: conversations, or the error that stopped it."""

    file: str
    format: str | None = None
    conversations: list[Conversation] = field(default_factory=list)
    error: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    recording: Path | Source | None = None
    """Where an audio call's recording is, for a redacted copy (`--redacted-audio`)."""

    @property
    def turns(self) -> int:
        return sum(len(c.turns) for c in self.conversations)

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "conversations": len(self.conversations),
            "turns": self.turns,
            "error": self.error,
            "warnings": self.warnings,
        }


SKIPPED_IN_FOLDERS = ("readme", "license", "notice", "options.json")


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the files in it (recursively, sorted), except that
    a folder holding one recording a party (agent.wav, caller.wav) stands for that call.

    In folders, hidden files, Markdown and README/LICENSE files are passed over.
    """
    from heard.importers.audio import call_folder

    found: list[Path] = []
    for path in paths:
        if not path.is_dir() or call_folder(path) is not None:
            found.append(path)
            continue
        calls = [p for p in sorted(path.rglob("*")) if p.is_dir() and call_folder(p) is not None]
        found.extend(calls)
        for p in sorted(path.rglob("*")):
            name = p.name.lower()
            if any(c in p.parents for c in calls):
                continue  # read with its call
            if (
                p.is_file()
                and not name.startswith(".")
                and not name.endswith(".md")
                and not name.startswith(SKIPPED_IN_FOLDERS)
            ):
                found.append(p)
    return found


def import_one(path: Path, *, format: str, options: ImportOptions, redact: bool) -> FileResult:
    """Import one file; every failure becomes the result's error, never an exception."""
    result = FileResult(file=str(path))
    try:
        if str(path) == "-":
            source = Source("<stdin>", sys.stdin.buffer.read(options.max_bytes + 1))
            if len(source.data) > options.max_bytes:
                raise InputError(
                    "standard input is over the size limit", where=source.where(), code="too_large"
                )
        elif path.is_dir():
            from heard.importers.audio import read_call_folder

            source = Source(str(path), b"")
            result.format, conversations = "audio", read_call_folder(path, options)
        else:
            source = load_source(path, max_bytes=options.max_bytes)
            result.format, conversations = read_source(source, format=format, options=options)
        if result.format == "audio":
            result.recording = source if str(path) == "-" else path
        result.warnings = source.warnings
        if redact:
            from heard.redact import redact_conversation

            conversations = [redact_conversation(c) for c in conversations]
        result.conversations = conversations
    except InputError as exc:
        result.error = exc.to_dict()
        result.error["text"] = str(exc)
    except Exception as exc:  # a bug in heard: report it like an input error, keep going
        result.error = {
            "code": "internal",
            "message": f"internal error ({type(exc).__name__}: {exc}); please report it",
            "file": str(path),
            "text": f"{path}: internal error ({type(exc).__name__}: {exc}); please report it",
        }
    return result


def parse_pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise typer.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=option)
        pairs[key.strip()] = val.strip()
    return pairs


def build_options(
    roles: list[str],
    columns: list[str],
    channel: str | None,
    max_size_mb: float,
    *,
    agent_channel: str | None = None,
    asr_model: Path | None = None,
    timing_only: bool = False,
    speakers: Path | None = None,
) -> ImportOptions:
    speaker_roles = {}
    for label, role in parse_pairs(roles, "--role").items():
        try:
            speaker_roles[label] = Role(role.lower())
        except ValueError:
            raise typer.BadParameter(
                f"{role!r} is not a role; use one of {', '.join(r.value for r in Role)}",
                param_hint="--role",
            ) from None
    chosen_channel = None
    if channel is not None:
        try:
            chosen_channel = Channel(channel.lower())
        except ValueError:
            raise typer.BadParameter(
                f"{channel!r} is not a channel; use one of {', '.join(c.value for c in Channel)}",
                param_hint="--channel",
            ) from None
    if max_size_mb <= 0:
        raise typer.BadParameter("must be more than 0", param_hint="--max-size")
    if agent_channel is not None and agent_channel.lower() not in ("left", "right"):
        raise typer.BadParameter(
            f"{agent_channel!r} is not a channel; use left or right", param_hint="--agent-channel"
        )
    if timing_only and asr_model is not None:
        raise typer.BadParameter(
            "--timing-only recognises no speech, so it takes no speech model",
            param_hint="--asr-model",
        )
    if asr_model is not None and not (asr_model / "model.bin").is_file():
        raise typer.BadParameter(
            f"{asr_model} is not a CTranslate2 Whisper model folder (no model.bin)",
            param_hint="--asr-model",
        )
    if speakers is not None:
        check_speakers(speakers)
    return ImportOptions(
        speakers=str(speakers) if speakers else None,
        agent_channel=agent_channel.lower() if agent_channel else None,
        asr_model=str(asr_model) if asr_model else None,
        timing_only=timing_only,
        speaker_roles=speaker_roles,
        columns=parse_pairs(columns, "--column"),
        channel=chosen_channel,
        max_bytes=int(max_size_mb * 1024 * 1024),
    )


def check_speakers(speakers: Path) -> None:
    """A usage error naming the file, line or JSON path and field of a bad --speakers file."""
    from heard.audio.speakers import speaker_files

    try:
        speaker_files(speakers.read_bytes(), str(speakers))
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot read {speakers} ({exc.strerror or exc})", param_hint="--speakers"
        ) from None
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="--speakers") from None


def check_format(format: str, *, option: str = "--format") -> None:
    if format != "auto" and format not in importers():
        raise typer.BadParameter(
            f"unknown format {format!r}; use auto or one of: {', '.join(sorted(importers()))}",
            param_hint=option,
        )


def write_jsonl(conversations: Iterator[Conversation], out: Path) -> int:
    """Write conversations as JSONL, atomically: a failed run leaves the old file intact."""
    if str(out) == "-":
        count = 0
        for conversation in conversations:
            sys.stdout.write(conversation.to_json() + "\n")
            count += 1
        return count
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for conversation in conversations:
                handle.write(conversation.to_json() + "\n")
                count += 1
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="Input format name, or auto to recognise it.")
]
RoleOpt = Annotated[
    list[str],
    typer.Option("--role", help="Map a speaker label to a role, e.g. --role 'Jane=agent'."),
]
ColumnOpt = Annotated[
    list[str],
    typer.Option("--column", help="CSV column mapping, e.g. --column text=message."),
]
ChannelOpt = Annotated[
    str | None, typer.Option("--channel", help="Override the channel: call, chat, email…")
]
MaxSizeOpt = Annotated[
    float, typer.Option("--max-size", help="Refuse files larger than this many MB.")
]
AgentChannelOpt = Annotated[
    str | None,
    typer.Option(
        "--agent-channel",
        help="Stereo audio: the agent's channel, left or right (default: the one that speaks "
        "first).",
    ),
]
AsrModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--asr-model",
        help="Audio: a local CTranslate2 Whisper model folder (default: $HEARD_ASR_MODEL, else "
        "the packaged tiny.en).",
    ),
]
TimingOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--timing-only",
        help="Audio: voice activity only, no speech recognition: turns with times and no "
        "words, for the timed detectors (interruptions, dead air, talk ratio…); far faster.",
    ),
]
SpeakersOpt = Annotated[
    Path | None,
    typer.Option(
        "--speakers",
        help="Mono audio: who spoke when, from an RTTM file or heard's speaker JSON (default: "
        "the built-in diarizer tells two speakers apart); map its labels with --role.",
    ),
]


RedactedAudioOpt = Annotated[
    Path | None,
    typer.Option(
        "--redacted-audio",
        help="Audio: write a copy of each call's recording (WAV) with the redacted words "
        "silenced; a folder for several calls. Implies --redact. Keep this copy, not the "
        "original.",
    ),
]


def check_redacted_audio(redacted_audio: Path | None, *, timing_only: bool) -> None:
    if redacted_audio is not None and timing_only:
        raise typer.BadParameter(
            "--timing-only recognises no words, so nothing in the audio can be found to redact",
            param_hint="--redacted-audio",
        )
    if redacted_audio is not None and str(redacted_audio) == "-":
        raise typer.BadParameter("give a file or folder to write to", param_hint="--redacted-audio")


def save_redacted_audio(
    results: list[FileResult], out: Path, options: ImportOptions
) -> list[dict[str, Any]]:
    """Write each audio call's redacted recording (see heard.audio.redaction): to `out`, or
    into it as <conversation id>.wav when it is a folder (or several calls were read). What
    was written, or the error, per call; the result's error is set when writing fails."""
    from heard.audio.redaction import write_redacted
    from heard.importers.audio import call_recording

    calls = [
        (r, c)
        for r in results
        if r.error is None and r.recording is not None
        for c in r.conversations
    ]
    into_folder = out.is_dir() or str(out).endswith(("/", os.sep)) or len(calls) > 1
    written: list[dict[str, Any]] = []
    for result, conversation in calls:
        target = out / f"{conversation.id.replace('/', '_')}.wav" if into_folder else out
        try:
            assert result.recording is not None
            recording = call_recording(result.recording, options)
            spans = write_redacted(recording, conversation, target)
        except InputError as exc:
            result.error = exc.to_dict()
            result.error["text"] = str(exc)
            continue
        except OSError as exc:
            result.error = {
                "code": "not_written",
                "message": f"cannot write {target}: {exc.strerror or exc}",
                "file": str(target),
                "text": f"{target}: cannot write the redacted audio ({exc.strerror or exc})",
            }
            continue
        written.append(
            {
                "file": result.file,
                "conversation": conversation.id,
                "out": str(target),
                "silenced": [list(s) for s in spans],
                "silenced_seconds": round(sum(e - s for s, e in spans), 2),
            }
        )
    return written


def print_redacted_audio(written: list[dict[str, Any]], target: Console = console) -> None:
    for item in written:
        count = len(item["silenced"])
        target.print(
            f"redacted audio: {escape(item['out'])} ({count} span{'s' if count != 1 else ''}, "
            f"{item['silenced_seconds']:.1f} s silenced)"
        )


def run_imports(
    files: list[Path], *, format: str, options: ImportOptions, redact: bool, show_progress: bool
) -> list[FileResult]:
    paths = expand(files)
    results: list[FileResult] = []
    if len(paths) > 1 and show_progress:
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[name]}"),
            console=errors,
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=len(paths), name="")
            for path in paths:
                progress.update(task, name=path.name)
                results.append(import_one(path, format=format, options=options, redact=redact))
                progress.advance(task)
    else:
        results = [import_one(p, format=format, options=options, redact=redact) for p in paths]
    return results


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(
        files: Annotated[
            list[Path], typer.Argument(help="Files or folders to import; - for stdin.")
        ],
        format: FormatOpt = "auto",
        redact: Annotated[
            bool, typer.Option("--redact", help="Replace card numbers, emails, phones… first.")
        ] = False,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Write conversations to this JSONL file.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
        role: RoleOpt = [],  # noqa: B006 - typer reads the default, never mutated
        column: ColumnOpt = [],  # noqa: B006
        channel: ChannelOpt = None,
        max_size: MaxSizeOpt = DEFAULT_MAX_BYTES / 1024 / 1024,
        agent_channel: AgentChannelOpt = None,
        asr_model: AsrModelOpt = None,
        timing_only: TimingOnlyOpt = False,
        speakers: SpeakersOpt = None,
        redacted_audio: RedactedAudioOpt = None,
    ) -> None:
        """Import conversations from files in any supported format.

        Exit codes: 0 all imported, 1 some files failed (the rest still imported),
        2 usage error.
        """
        check_format(format)
        check_redacted_audio(redacted_audio, timing_only=timing_only)
        redact = redact or redacted_audio is not None
        options = build_options(
            role,
            column,
            channel,
            max_size,
            agent_channel=agent_channel,
            asr_model=asr_model,
            timing_only=timing_only,
            speakers=speakers,
        )
        if as_json and out is not None and str(out) == "-":
            raise typer.BadParameter(
                "--json and --out - both write to standard output", param_hint="--out"
            )
        results = run_imports(
            files, format=format, options=options, redact=redact, show_progress=not as_json
        )
        audio = save_redacted_audio(results, redacted_audio, options) if redacted_audio else None
        written = None
        if out is not None:
            written = write_jsonl(
                (c for r in results if r.error is None for c in r.conversations), out
            )
        failed = [r for r in results if r.error is not None]
        if as_json:
            print_json(
                {
                    "files": [r.summary() for r in results],
                    "conversations": sum(len(r.conversations) for r in results),
                    "turns": sum(r.turns for r in results),
                    "failed": len(failed),
                    "written": written,
                    "out": None if out is None else str(out),
                    "redacted": redact,
                    **({"redacted_audio": audio} if audio is not None else {}),
                }
            )
        elif out is None or str(out) != "-":
            _print_summary(results, out=out, written=written)
            print_redacted_audio(audio or [])
        raise typer.Exit(EXIT_SOME_FAILED if failed else EXIT_OK)

    app.command("formats")(formats_command)
    app.command("show")(show_command)


def formats_command(
    as_json: JsonOpt = False,
) -> None:
    """List the formats heard can import."""
    rows = [
        {
            "name": name,
            "title": cls.title,
            "extensions": list(cls.extensions),
            "sample": cls.sample,
        }
        for name, cls in sorted(importers().items())
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title="Formats (use with --format; auto recognises them)")
    table.add_column("name", style="bold")
    table.add_column("what it reads")
    table.add_column("extensions")
    for row in rows:
        table.add_row(row["name"], row["title"], " ".join(row["extensions"]))
    console.print(table)


def show_command(
    files: Annotated[list[Path], typer.Argument(help="Files or folders to show.")],
    format: FormatOpt = "auto",
    redact: Annotated[bool, typer.Option("--redact", help="Redact personal data.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most N conversations.")] = 20,
    role: RoleOpt = [],  # noqa: B006
    column: ColumnOpt = [],  # noqa: B006
    channel: ChannelOpt = None,
    max_size: MaxSizeOpt = DEFAULT_MAX_BYTES / 1024 / 1024,
    agent_channel: AgentChannelOpt = None,
    asr_model: AsrModelOpt = None,
    timing_only: TimingOnlyOpt = False,
    speakers: SpeakersOpt = None,
) -> None:
    """Print conversations as readable transcripts."""
    check_format(format)
    options = build_options(
        role,
        column,
        channel,
        max_size,
        agent_channel=agent_channel,
        asr_model=asr_model,
        timing_only=timing_only,
        speakers=speakers,
    )
    results = run_imports(files, format=format, options=options, redact=redact, show_progress=True)
    shown = 0
    for result in results:
        if result.error is not None:
            errors.print(f"[red]error[/red] {escape(result.error['text'])}")
            continue
        for conversation in result.conversations:
            if shown >= limit:
                break
            print_transcript(conversation)
            shown += 1
    raise typer.Exit(EXIT_SOME_FAILED if any(r.error for r in results) else EXIT_OK)


ROLE_STYLE = {Role.AGENT: "cyan", Role.CUSTOMER: "magenta", Role.SYSTEM: "dim", Role.BOT: "blue"}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes):02d}:{secs:04.1f}"


def print_transcript(conversation: Conversation) -> None:
    who = []
    if conversation.agent and (conversation.agent.name or conversation.agent.id):
        who.append(f"agent {conversation.agent.name or conversation.agent.id}")
    if conversation.customer and (conversation.customer.name or conversation.customer.id):
        who.append(f"customer {conversation.customer.name or conversation.customer.id}")
    console.rule(
        f"[bold]{escape(conversation.id)}[/bold] · {conversation.channel.value}"
        + (f" · {escape(', '.join(who))}" if who else "")
    )
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", justify="right", no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for turn in conversation.turns:
        if turn.start is not None:
            stamp = _clock(turn.start)
        elif turn.sent_at is not None:
            stamp = turn.sent_at.strftime("%H:%M:%S")
        else:
            stamp = ""
        style = ROLE_STYLE.get(turn.role, "")
        text = escape(turn.text)
        if turn.subject:
            text = f"[italic]Subject: {escape(turn.subject)}[/italic]\n{text}"
        grid.add_row(stamp, f"[{style}]{turn.role.value}[/{style}]", text)
    console.print(grid)
    console.print()


def _print_summary(results: list[FileResult], *, out: Path | None, written: int | None) -> None:
    table = Table(title="heard import")
    table.add_column("file", overflow="fold")
    table.add_column("format")
    table.add_column("conversations", justify="right")
    table.add_column("turns", justify="right")
    table.add_column("result")
    for r in results:
        if r.error is None:
            status = "[green]ok[/green]" + (" [yellow](see note)[/yellow]" if r.warnings else "")
            table.add_row(
                escape(r.file), r.format or "-", str(len(r.conversations)), str(r.turns), status
            )
        else:
            table.add_row(
                escape(r.file), r.format or "-", "-", "-", f"[red]{escape(r.error['code'])}[/red]"
            )
    console.print(table)
    for r in results:
        for warning in r.warnings:
            console.print(f"[yellow]note[/yellow] {escape(r.file)}: {escape(warning)}")
        if r.error is not None:
            console.print(f"[red]error[/red] {escape(r.error['text'])}")
    ok = [r for r in results if r.error is None]
    line = (
        f"{sum(len(r.conversations) for r in ok):,} conversations, "
        f"{sum(r.turns for r in ok):,} turns from {len(ok)} of {len(results)} files"
    )
    if out is not None:
        line += f"; {written:,} written to {out}"
    console.print(line)
