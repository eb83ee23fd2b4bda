"""The disputes API and an agent's home over a real store (SQLite and PostgreSQL): the agent
disputes through the API what `dispute-targets` offers, the lead decides, the agent reads the
outcome; nobody else sees or touches a dispute (another agent of the team, a lead of another
team: 404, as for one that does not exist; the agent deciding: 403)."""

from __future__ import annotations

from web.api.conftest import Api


def test_dispute_flow_and_who_may_see_it(api: Api) -> None:
    client, conversation_id = api.client, api.world.conversations["ann-2"]
    targets = client.get(
        f"/api/v1/conversations/{conversation_id}/dispute-targets", headers=api.headers("agent")
    ).json()
    finding = next(t for t in targets if t["kind"] == "finding")
    assert finding["disputed"] is None and finding["quote"]
    assert targets[0]["key"] == "score:listening_score"
    key = finding["key"].removeprefix("finding:")
    body = {"finding": key, "reason": "Mail me at jo@example.com"}
    for role, status in (("lead", 403), ("admin", 403), ("other_agent", 404), ("other_lead", 404)):
        answer = client.post(
            f"/api/v1/conversations/{conversation_id}/disputes",
            json=body,
            headers=api.headers(role),
        )
        assert answer.status_code == status, (role, answer.text)
    empty = client.post(
        f"/api/v1/conversations/{conversation_id}/disputes",
        json={"score": "listening_score", "reason": "   "},
        headers=api.headers("agent"),
    )
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "reason"
    both = client.post(
        f"/api/v1/conversations/{conversation_id}/disputes",
        json={**body, "score": "listening_score"},
        headers=api.headers("agent"),
    )
    assert both.status_code == 422 and both.json()["error"]["field"] == "target"
    made = client.post(
        f"/api/v1/conversations/{conversation_id}/disputes", json=body, headers=api.headers("agent")
    )
    assert made.status_code == 201, made.text
    dispute = made.json()
    assert dispute["status"] == "open" and dispute["quote"] == finding["quote"]
    assert "example.com" not in dispute["reason"]  # redacted before it was stored
    again = client.post(
        f"/api/v1/conversations/{conversation_id}/disputes", json=body, headers=api.headers("agent")
    )
    assert again.status_code == 409
    path = f"/api/v1/disputes/{dispute['id']}"

    # Abe (same team, another agent) and Rex (another team) see nothing of it
    for role in ("other_agent", "other_lead"):
        assert client.get(path, headers=api.headers(role)).status_code == 404
        assert client.get("/api/v1/disputes", headers=api.headers(role)).json() == []
        listed = client.get(
            f"/api/v1/conversations/{conversation_id}/disputes", headers=api.headers(role)
        )
        assert listed.status_code == 404
        for verb in ("accept", "reject"):
            refused = client.post(f"{path}/{verb}", json={"reply": "x"}, headers=api.headers(role))
            assert refused.status_code == 404
    assert client.get(path + "0", headers=api.headers("lead")).status_code == 404
    refused = client.post(f"{path}/accept", json={}, headers=api.headers("agent"))
    assert refused.status_code == 403  # Ann sees it, but does not decide it

    inbox = client.get("/api/v1/disputes?status=open", headers=api.headers("lead")).json()
    assert [d["id"] for d in inbox] == [dispute["id"]]
    no_reply = client.post(f"{path}/reject", json={}, headers=api.headers("lead"))
    assert no_reply.status_code == 422 and no_reply.json()["error"]["field"] == "reply"
    decided = client.post(
        f"{path}/reject", json={"reply": "The customer repeated it"}, headers=api.headers("lead")
    )
    assert decided.status_code == 200 and decided.json()["outcome"] == "upheld"
    late = client.post(f"{path}/accept", json={}, headers=api.headers("admin"))
    assert late.status_code == 409
    mine = client.get(path, headers=api.headers("agent")).json()
    assert mine["status"] == "rejected" and mine["reply"] == "The customer repeated it"
    assert mine["decided_by"] == "Bea"
    assert client.get("/api/v1/disputes?status=open", headers=api.headers("lead")).json() == []
    labels = client.get("/api/v1/review-labels", headers=api.headers("lead")).text.splitlines()
    assert any('"task":"dispute.finding"' in line for line in labels)


def test_agent_home_api(api: Api) -> None:
    ann = api.world.agents["ann"]
    path = f"/api/v1/agents/{ann}/home"
    for role, status in (("agent", 200), ("lead", 200), ("admin", 200)):
        assert api.client.get(path, headers=api.headers(role)).status_code == status
    for role in ("other_agent", "other_lead"):
        assert api.client.get(path, headers=api.headers(role)).status_code == 404
    home = api.client.get(path, headers=api.headers("lead")).json()
    assert home["agent"]["name"] == "Ann" and home["min_conversations"] == 5
    assert len(home["recent"]) == 2 and [p["conversations"] for p in home["trend"]] == [2]
    empathy = next(b for b in home["behaviours"] if b["behaviour"] == "empathy")
    last = empathy["weeks"][-1]
    assert last["judged"] == 2 and last["rate"] is None  # two conversations: no figure
    assert all(w["judged"] == 0 and w["rate"] is None for w in empathy["weeks"][:-1])
