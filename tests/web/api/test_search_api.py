"""The API's search, cursor paging and saved views (SQLite and PostgreSQL): `q` finds by word
only what the caller may see, cursors walk the list once and refuse a broken one, and a saved
view is its owner's alone."""

from __future__ import annotations

from web.api.conftest import Api


def test_q_searches_only_what_the_caller_may_see_with_snippets(api: Api) -> None:
    lead = api.client.get("/api/v1/conversations?q=manager", headers=api.headers("lead"))
    assert lead.status_code == 200
    body = lead.json()
    assert sorted(i["external_id"] for i in body["items"]) == ["abe-1", "ann-2"]
    assert body["total"] == 2
    snippet = body["items"][0]["snippet"]
    assert snippet["turn"] == 2 and snippet["speaker"] == "customer"
    assert [p["text"] for p in snippet["parts"] if p["match"]] == ["manager"]
    other = api.client.get("/api/v1/conversations?q=manager", headers=api.headers("other_lead"))
    assert other.json()["items"] == [] and other.json()["total"] == 0
    trend = api.client.get("/api/v1/trends?q=manager", headers=api.headers("other_lead"))
    assert trend.status_code == 200 and trend.json() == []
    bad = api.client.get("/api/v1/conversations?q=%21%21", headers=api.headers("lead"))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "q"


def test_cursors_walk_the_list_once_and_a_broken_one_is_refused(api: Api) -> None:
    seen, params = [], {"limit": 1, "order": "score"}
    while True:
        page = api.client.get(
            "/api/v1/conversations", params=params, headers=api.headers("admin")
        ).json()
        seen += [i["external_id"] for i in page["items"]]
        if page["next"] is None:
            break
        params = {"limit": 1, "order": "score", "after": page["next"]}
    assert sorted(seen) == ["abe-1", "ann-1", "ann-2", "ray-1"] and len(seen) == 4
    back = api.client.get(
        "/api/v1/conversations",
        params={"limit": 1, "order": "score", "before": page["previous"]},
        headers=api.headers("admin"),
    ).json()
    assert [i["external_id"] for i in back["items"]] == seen[-2:-1]
    for params, words in [
        ({"after": "garbage"}, "broken or out of date"),
        ({"after": page["next"] or page["previous"], "order": "newest"}, "another sort order"),
    ]:
        refused = api.client.get(
            "/api/v1/conversations", params=params, headers=api.headers("admin")
        )
        assert refused.status_code == 422, refused.text
        assert words in refused.json()["error"]["message"]


def test_saved_views_through_the_api_are_private(api: Api) -> None:
    made = api.client.post(
        "/api/v1/saved-views",
        json={"name": "Escalations", "filters": {"q": "manager", "order": "score"}},
        headers=api.headers("lead"),
    )
    assert made.status_code == 201, made.text
    view = made.json()
    assert view["url"] == "/conversations?q=manager&order=score"
    again = api.client.post(
        "/api/v1/saved-views", json={"name": "escalations"}, headers=api.headers("lead")
    )
    assert again.status_code == 409 and again.json()["error"]["field"] == "name"
    unknown = api.client.post(
        "/api/v1/saved-views",
        json={"name": "x", "filters": {"after": "abc"}},
        headers=api.headers("lead"),
    )
    assert unknown.status_code == 422
    mine = api.client.get("/api/v1/saved-views", headers=api.headers("lead")).json()
    assert [v["name"] for v in mine] == ["Escalations"]
    for role in ("other_lead", "admin", "agent"):
        assert api.client.get("/api/v1/saved-views", headers=api.headers(role)).json() == []
        gone = api.client.delete(f"/api/v1/saved-views/{view['id']}", headers=api.headers(role))
        assert gone.status_code == 404, role
    deleted = api.client.delete(f"/api/v1/saved-views/{view['id']}", headers=api.headers("lead"))
    assert deleted.status_code == 204
    assert api.client.get("/api/v1/saved-views", headers=api.headers("lead")).json() == []
