"""The API's filters on the customer's strongest emotion, an escalation, coaching notes, the
survey answer and the predicted outcome (SQLite and PostgreSQL): the list, the charts and the
export take them alike, only over what the caller may see; a value that is not one of the
filter's gets a 422 naming the field, in the API and in a saved view."""

from __future__ import annotations

import csv
import io

import pytest

from heard.store import coaching_notes, surveys
from web.api.conftest import Api


def ids(api: Api, role: str = "lead", **params: object) -> list[str]:
    answer = api.client.get("/api/v1/conversations", params=params, headers=api.headers(role))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == len(body["items"])
    return sorted(item["external_id"] for item in body["items"])


def test_each_new_filter_through_the_api(api: Api) -> None:
    world = api.world
    assert ids(api, escalated="true") == ["abe-1", "ann-2"]
    assert ids(api, escalated="no") == ["ann-1"]  # yes/no and true/false alike
    assert ids(api, emotion="upset") == ["abe-1", "ann-2"]
    assert ids(api, emotion="satisfaction") == ["ann-1"]
    assert ids(api, "admin", emotion="satisfaction") == ["ann-1", "ray-1"]
    assert ids(api, "other_lead", emotion="frustration") == []  # Blue's, not Red's lead's
    assert ids(api, has_notes="true") == []
    coaching_notes.create_note(
        world.store, world.viewer("bea"), world.conversations["abe-1"], text="Slow down."
    )
    assert ids(api, has_notes="true") == ["abe-1"]
    assert ids(api, has_notes="false") == ["ann-1", "ann-2"]
    surveys.submit_feedback(world.store, world.conversations["ann-1"], csat=5, felt_heard=4)
    assert ids(api, survey="heard") == ["ann-1"]
    assert ids(api, survey="answered", escalated="true") == []
    assert ids(api, survey="unanswered") == ["abe-1", "ann-2"]
    assert "ann-1" in ids(api, outcome="likely_heard")
    assert ids(api, min_felt_heard=0.98) == ["ann-1"]  # the good one reads 0.99
    assert ids(api, max_felt_heard=0.98) == ["abe-1", "ann-2"]
    with_behaviour = ids(api, missed="dismissive", escalated="true", emotion="upset")
    assert with_behaviour == ["abe-1", "ann-2"]  # the verdict copies, joined for the rest


def test_charts_and_the_export_take_the_new_filters(api: Api) -> None:
    headers = api.headers("lead")
    trend = api.client.get(
        "/api/v1/trends", params={"escalated": "true", "by": "day"}, headers=headers
    )
    assert trend.status_code == 200
    assert sum(point["conversations"] for point in trend.json()) == 2
    spread = api.client.get("/api/v1/distribution", params={"emotion": "upset"}, headers=headers)
    assert spread.json()["total"] == 2
    export = api.client.get(
        "/api/v1/export", params={"escalated": "true", "format": "csv"}, headers=headers
    )
    assert export.status_code == 200
    assert sorted(r["external_id"] for r in csv.DictReader(io.StringIO(export.text))) == [
        "abe-1",
        "ann-2",
    ]
    parquet = api.client.get(
        "/api/v1/export", params={"emotion": "satisfaction", "format": "parquet"}, headers=headers
    )
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.column("external_id").to_pylist() == ["ann-1"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"emotion": "rage"}, "emotion"),
        ({"escalated": "perhaps"}, "escalated"),
        ({"has_notes": "2"}, "has_notes"),
        ({"survey": "loved"}, "survey"),
        ({"outcome": "great"}, "outcome"),
        ({"min_felt_heard": "1.5"}, "min_felt_heard"),
        ({"max_felt_heard": "-0.1"}, "max_felt_heard"),
        ({"min_felt_heard": "0.9", "max_felt_heard": "0.2"}, "max_felt_heard"),
    ],
)
def test_a_value_not_of_the_filter_is_a_422_naming_it(
    api: Api, params: dict[str, str], field: str
) -> None:
    for path in ("/api/v1/conversations", "/api/v1/export", "/api/v1/trends"):
        answer = api.client.get(path, params=params, headers=api.headers("lead"))
        assert answer.status_code == 422, (path, params, answer.text)
        named = answer.json()["error"]["field"]  # "$.emotion" as a query value, or as the store
        assert named.removeprefix("$.") == field, answer.json()


def test_a_saved_view_keeps_the_new_filters_and_refuses_a_wrong_value(api: Api) -> None:
    filters = {"emotion": "upset", "escalated": "yes", "has_notes": "no", "outcome": "at_risk"}
    made = api.client.post(
        "/api/v1/saved-views",
        json={"name": "Upset, escalated", "filters": filters},
        headers=api.headers("lead"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["filters"] == filters
    assert made.json()["url"].startswith("/conversations?emotion=upset&escalated=yes")
    for wrong in ({"emotion": "rage"}, {"escalated": "true"}, {"survey": "x"}):
        refused = api.client.post(
            "/api/v1/saved-views",
            json={"name": "Wrong", "filters": wrong},
            headers=api.headers("lead"),
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["field"] == next(iter(wrong))
