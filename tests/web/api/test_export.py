"""The streamed export: CSV and Parquet written a part at a time read back as the whole table,
an empty export is a valid file, the audit entry counts the rows sent and says when a client
left early; through the API, an export in many parts is every visible conversation once."""

from __future__ import annotations

import csv
import io

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heard.store import audit_log
from heard.store.records import Viewer
from heard.web import exports
from web.api.conftest import Api

NAMES = exports.columns(["empathy", "questions"])

row = st.fixed_dictionaries(
    {
        "id": st.integers(1, 2**40),
        "external_id": st.text(min_size=0, max_size=12),
        "listening_score": st.none() | st.floats(0, 100),
        "escalated": st.none() | st.booleans(),
        "component_empathy": st.none() | st.floats(0, 100),
    }
)
parts = st.lists(st.lists(row, max_size=5), max_size=4)


@given(parts)
def test_csv_streams_a_header_then_one_chunk_a_part_and_reads_back(chunked: list) -> None:
    chunks = list(exports.csv_chunks(NAMES, chunked))
    assert len(chunks) == len(chunked) + 1 and chunks[0].decode().startswith("id,source,")
    read = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    flat = [r for part in chunked for r in part]
    assert [r["id"] for r in read] == [str(r["id"]) for r in flat]
    assert [r["external_id"] for r in read] == [r["external_id"] for r in flat]
    assert list(read[0]) == NAMES if read else True


@given(parts)
def test_parquet_streams_a_row_group_a_part_and_reads_back(chunked: list) -> None:
    chunks = list(exports.parquet_chunks(NAMES, chunked))
    data = b"".join(chunks)
    table = pq.read_table(io.BytesIO(data))
    flat = [r for part in chunked for r in part]
    assert table.column_names == NAMES
    assert table.column("id").to_pylist() == [r["id"] for r in flat]
    assert table.column("component_empathy").to_pylist() == [r["component_empathy"] for r in flat]
    assert table.column("component_questions").null_count == len(flat)
    groups = pq.ParquetFile(io.BytesIO(data)).num_row_groups
    assert groups == sum(1 for p in chunked if p)  # none for a file without rows


def test_counted_reports_once_whether_every_row_went_or_the_client_left() -> None:
    calls: list[tuple[int, bool]] = []
    whole = exports.counted(iter([[{"id": 1}], [{"id": 2}, {"id": 3}]]), lambda *a: calls.append(a))
    assert sum(len(p) for p in whole) == 3 and calls == [(3, True)]
    calls.clear()
    cut = exports.counted(iter([[{"id": 1}], [{"id": 2}]]), lambda *a: calls.append(a))
    next(cut)
    cut.close()  # the client went away after the first part
    assert calls == [(0, False)]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_export_in_many_parts_is_every_visible_conversation_once_and_audited(
    api: Api, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = api.world.store
    real = type(store).iter_conversations

    def small(self, viewer, where=None, *, order="oldest", size=1000):  # type: ignore[no-untyped-def]
        return real(self, viewer, where, order=order, size=1)  # a part a conversation

    monkeypatch.setattr(type(store), "iter_conversations", small)
    answer = api.client.get("/api/v1/export", params={"format": fmt}, headers=api.headers("lead"))
    assert answer.status_code == 200, answer.text
    if fmt == "csv":
        got = [r["external_id"] for r in csv.DictReader(io.StringIO(answer.text))]
    else:
        got = pq.read_table(io.BytesIO(answer.content)).column("external_id").to_pylist()
    listed = api.client.get(
        "/api/v1/conversations", params={"order": "oldest"}, headers=api.headers("lead")
    ).json()["items"]
    assert got == [i["external_id"] for i in listed] and len(got) >= 2
    entry = next(e for e in audit_log.list_audit(store, Viewer.system()) if e.action == "export")
    assert entry.detail == f"{len(got)} rows as {fmt}"
