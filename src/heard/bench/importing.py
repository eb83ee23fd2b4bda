"""How fast heard reads conversations in: parse, redact, write JSONL."""

from __future__ import annotations

import io
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from heard.bench.machine import machine, peak_rss_mb
from heard.importers.base import Source
from heard.importers.registry import load_source, read_source


@dataclass
class ImportBench:
    file: str
    format: str
    size_mb: float
    conversations: int
    turns: int
    repeat: int
    parse_seconds: list[float]
    redact_seconds: list[float] | None
    write_seconds: list[float]
    peak_rss_mb: float
    workers: int = 1
    parallel_seconds: list[float] | None = None

    def rate(self, seconds: list[float]) -> tuple[float, float]:
        """(turns/s, conversations/s) from the median run."""
        median = statistics.median(seconds)
        return self.turns / median, self.conversations / median

    def to_dict(self) -> dict[str, object]:
        parse_tps, parse_cps = self.rate(self.parse_seconds)
        write_tps, _ = self.rate(self.write_seconds)
        result: dict[str, object] = {
            "file": self.file,
            "format": self.format,
            "size_mb": round(self.size_mb, 1),
            "conversations": self.conversations,
            "turns": self.turns,
            "repeat": self.repeat,
            "parse_turns_per_s": round(parse_tps),
            "parse_conversations_per_s": round(parse_cps),
            "parse_seconds_median": round(statistics.median(self.parse_seconds), 3),
            "write_jsonl_turns_per_s": round(write_tps),
            "peak_rss_mb": self.peak_rss_mb,
            "machine": machine(),
        }
        if self.parallel_seconds:
            tps, cps = self.rate(self.parallel_seconds)
            result["workers"] = self.workers
            result["parallel_turns_per_s"] = round(tps)
            result["parallel_conversations_per_s"] = round(cps)
        if self.redact_seconds:
            redact_tps, _ = self.rate(self.redact_seconds)
            result["redact_turns_per_s"] = round(redact_tps)
            result["parse_and_redact_turns_per_s"] = round(
                self.turns
                / (statistics.median(self.parse_seconds) + statistics.median(self.redact_seconds))
            )
        return result


def _parse_chunk(args: tuple[str, bytes, str, bool]) -> tuple[int, int]:
    """Parse (and redact) one chunk of lines in a worker process: (conversations, turns)."""
    name, data, format, redact = args
    _, conversations = read_source(Source(name, data), format=format)
    if redact:
        from heard.redact import redact_conversation

        conversations = [redact_conversation(c) for c in conversations]
    return len(conversations), sum(len(c.turns) for c in conversations)


def split_lines(data: bytes, parts: int) -> list[bytes]:
    """About `parts` pieces of about equal size, each ending at a line end."""
    chunks, start = [], 0
    for i in range(1, parts + 1):
        end = len(data) if i == parts else data.find(b"\n", len(data) * i // parts)
        end = len(data) if end < 0 else end + 1
        if end > start:
            chunks.append(data[start:end])
        start = max(start, end)
    return chunks


def bench_import(
    path: Path,
    *,
    format: str = "auto",
    repeat: int = 3,
    redact: bool = True,
    workers: int = 1,
) -> ImportBench:
    """Parse the file `repeat` times (and redact, and serialise), timing each stage."""
    source = load_source(path)
    parse_seconds: list[float] = []
    conversations = []
    name = format
    for _ in range(repeat):
        fresh = type(source)(source.name, source.data)  # no cached decode between runs
        started = time.perf_counter()
        name, conversations = read_source(fresh, format=format)
        parse_seconds.append(time.perf_counter() - started)
    redact_seconds = None
    if redact:
        from heard.redact import redact_conversation

        redact_seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            for conversation in conversations:
                redact_conversation(conversation)
            redact_seconds.append(time.perf_counter() - started)
    write_seconds = []
    for _ in range(repeat):
        buffer = io.StringIO()
        started = time.perf_counter()
        for conversation in conversations:
            buffer.write(conversation.to_json() + "\n")
        write_seconds.append(time.perf_counter() - started)
    parallel_seconds = None
    if workers > 1 and name in {"jsonl", "star", "harper-valley"}:  # line-per-conversation
        from concurrent.futures import ProcessPoolExecutor

        chunks = split_lines(source.data, workers * 4)
        parallel_seconds = []
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for _ in range(repeat):
                started = time.perf_counter()
                jobs = [(source.name, chunk, name, redact) for chunk in chunks]
                list(pool.map(_parse_chunk, jobs))
                parallel_seconds.append(time.perf_counter() - started)
    return ImportBench(
        workers=workers,
        parallel_seconds=parallel_seconds,
        file=str(path),
        format=name,
        size_mb=len(source.data) / 1024 / 1024,
        conversations=len(conversations),
        turns=sum(len(c.turns) for c in conversations),
        repeat=repeat,
        parse_seconds=parse_seconds,
        redact_seconds=redact_seconds,
        write_seconds=write_seconds,
        peak_rss_mb=peak_rss_mb(),
    )
