// heard's live pages: the agent panel and the supervisor's watch page follow the watch
// WebSocket (resuming with ?since= after a drop), the live board polls GET /api/v1/live.
// The server draws the first paint; this script only applies updates. No build step.
"use strict";

(function () {
  var CONCERN_ORDER = { raised: 0, acknowledged: 1, addressed: 2, confirmed: 3 };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function pathPart(value) {
    return encodeURIComponent(String(value));
  }

  function percent(value) {
    return Math.round(100 * (value || 0)) + "%";
  }

  function scoreText(value) {
    return value === null || value === undefined ? "n/a" : String(Math.round(value));
  }

  // A JSON answer, or an Error with the server's message (an HTML error page has none).
  function answered(response) {
    return response.text().then(function (text) {
      var body = null;
      try { body = JSON.parse(text); } catch (err) { body = null; }
      if (!response.ok || body === null) {
        var message = body && body.error && body.error.message;
        throw new Error(message || ("the server answered " + response.status));
      }
      return body;
    });
  }

  // --- the status dot ------------------------------------------------------------------------
  function setStatus(root, status, label) {
    var box = root.querySelector(".live-status");
    if (!box) return;
    box.dataset.status = status;
    box.querySelector(".label").textContent = label || status;
  }

  // --- the watch stream: one WebSocket, resumed with ?since= after a drop -----------------------
  function watch(root, handlers) {
    var id = root.dataset.conversation;
    var since = parseInt(root.dataset.since || "0", 10) || 0;
    var delay = 500;
    var ended = root.querySelector(".live-status[data-status=ended]") !== null;
    var socket = null;

    function connect() {
      if (ended) return;
      var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      var url = scheme + "//" + window.location.host + "/api/v1/live/" + pathPart(id) +
        "/watch?since=" + since + (root.dataset.key ? "&key=" + encodeURIComponent(root.dataset.key) : "");
      socket = new WebSocket(url);
      socket.addEventListener("open", function () {
        delay = 500;
        setStatus(root, "live", "live");
      });
      socket.addEventListener("message", function (event) {
        var frame;
        try { frame = JSON.parse(event.data); } catch (err) { return; }
        if (typeof frame.seq === "number") {
          if (frame.seq <= since && frame.type !== "hello") return; // already shown
          since = Math.max(since, frame.seq);
          root.dataset.since = String(since);
        }
        if (frame.type === "ended") {
          ended = true;
          setStatus(root, "ended", "ended");
        }
        if (frame.type === "error" && (frame.code === "unauthorised" || frame.code === "forbidden" ||
            frame.code === "unknown_conversation")) {
          ended = true;
          setStatus(root, "error", frame.message || frame.code);
        }
        var handler = handlers[frame.type];
        if (handler) handler(frame);
      });
      socket.addEventListener("close", function (event) {
        socket = null;
        if (ended) return;
        if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
          setStatus(root, "error", event.reason || "not allowed to watch");
          return;
        }
        setStatus(root, "reconnecting", "reconnecting…");
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 5000);
      });
    }

    connect();
    window.addEventListener("pagehide", function () {
      ended = true;
      if (socket) socket.close();
    });
  }

  // --- pieces drawn the same way as the server's templates (live_macros.html) --------------------
  function nudgeCard(nudge) {
    var card = el("article", "nudge sev-" + nudge.severity);
    card.dataset.nudge = nudge.id;
    card.dataset.kind = nudge.kind;
    var kind = nudge.label;  // the kind's human name (heard.language.names), never its id
    if (nudge.turn !== null && nudge.turn !== undefined) kind += " · after turn " + nudge.turn;
    card.appendChild(el("p", "nudge-kind", kind));
    card.appendChild(el("p", "nudge-message", nudge.message));
    if (nudge.suggestion) {
      var tip = el("p", "nudge-suggestion");
      tip.appendChild(el("strong", null, "Try:"));
      tip.appendChild(document.createTextNode(" " + nudge.suggestion));
      card.appendChild(tip);
    }
    return card;
  }

  // The end-of-conversation summary (the summary frame): score, what went well, one tip and,
  // when the viewer may open it, a link to the stored conversation (a new tab: that page may
  // not be framed).
  function endSummary(summary) {
    var box = el("section", "end-summary");
    box.id = "end-summary";
    box.setAttribute("aria-labelledby", "summary-h");
    var heading = el("h2", null, "Conversation ended");
    heading.id = "summary-h";
    box.appendChild(heading);
    var score = el("p", "summary-score", "Listening Score ");
    score.appendChild(el("strong", "summary-figure", scoreText(summary.listening_score)));
    if (summary.listening_score !== null && summary.listening_score !== undefined) {
      score.appendChild(document.createTextNode(" "));
      score.appendChild(el("span", "summary-of", "of 100"));
    }
    box.appendChild(score);
    box.appendChild(el("h3", null, "Went well"));
    var well = summary.went_well || [];
    if (well.length) {
      var list = el("ul", "went-well");
      well.forEach(function (label) { list.appendChild(el("li", null, label)); });
      box.appendChild(list);
    } else {
      box.appendChild(el("p", "empty", "Nothing stood out this time."));
    }
    box.appendChild(el("h3", null, "One thing to try"));
    if (summary.tip) {
      var tip = el("div", "summary-tip");
      tip.appendChild(el("p", "tip-message", summary.tip.message));
      if (summary.tip.suggestion) {
        var tryIt = el("p", "nudge-suggestion");
        tryIt.appendChild(el("strong", null, "Try:"));
        tryIt.appendChild(document.createTextNode(" " + summary.tip.suggestion));
        tip.appendChild(tryIt);
      }
      box.appendChild(tip);
    } else {
      box.appendChild(el("p", "empty", "Nothing to change this time."));
    }
    if (summary.stored_id !== null && summary.stored_id !== undefined) {
      var line = el("p", "summary-link");
      var link = el("a", null, "Open the conversation");
      link.href = "/conversations/" + pathPart(summary.stored_id);
      link.target = "_blank";
      link.rel = "noopener";
      link.appendChild(el("span", "sr", " (opens in a new tab)"));
      line.appendChild(link);
      box.appendChild(line);
    }
    return box;
  }

  function drawConcerns(root, concerns) {
    var list = root.querySelector("#live-concerns");
    if (!list) return;
    var sorted = concerns.slice().sort(function (a, b) {
      return (CONCERN_ORDER[a.status] - CONCERN_ORDER[b.status]) ||
        (a.span.turn - b.span.turn) || (a.id - b.id);
    });
    list.textContent = "";
    if (!sorted.length) {
      list.appendChild(el("li", "empty", "No concerns raised yet."));
      return;
    }
    sorted.forEach(function (c) {
      var item = el("li", "concern st-" + c.status);
      item.dataset.concern = c.id;
      item.appendChild(el("span", "concern-status", c.status));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", "concern-quote", c.quote));
      list.appendChild(item);
    });
  }

  function hintItem(hint) {
    var item = el("li", "hint-item fresh");
    item.dataset.hint = hint.id;
    item.appendChild(el("span", "hint-from", "from " + (hint.author || "your lead")));
    item.appendChild(document.createTextNode(" "));
    item.appendChild(el("span", "hint-text", hint.text));
    return item;
  }

  function addHint(root, hint) {
    var list = root.querySelector("#live-hints");
    if (!list || list.querySelector('[data-hint="' + CSS.escape(hint.id) + '"]')) return;
    list.insertBefore(hintItem(hint), list.firstChild);
    var empty = root.querySelector("#hints-empty");
    if (empty) empty.hidden = true;
  }

  function drawFigures(root, state) {
    var box = root.querySelector("#live-figures");
    if (!box) return;
    box.querySelector('[data-field="listening_score"]').textContent = scoreText(state.listening_score);
    box.querySelector('[data-field="emotion"]').textContent = state.emotion || "—";
    box.querySelector('[data-field="turns"]').textContent = state.turns;
    var risk = box.querySelector('[data-field="escalation_risk"]');
    risk.querySelector(".bar > span").style.width = percent(state.escalation_risk);
    risk.querySelector(".risk-figure").textContent = percent(state.escalation_risk);
  }

  // --- the agent panel -------------------------------------------------------------------------
  function setUpPanel(root) {
    var slot = root.querySelector("#nudge-slot");
    var summarySlot = root.querySelector("#summary-slot");

    // When the conversation ends its summary takes the nudges' place.
    function showSummary(summary) {
      if (!summarySlot) return;
      summarySlot.textContent = "";
      summarySlot.appendChild(endSummary(summary));
      slot.hidden = true;
    }

    function showNudge(nudge) {
      var empty = slot.querySelector("#nudge-empty");
      if (empty) empty.remove();
      // At most one nudge on screen: the one it replaces fades out, then goes.
      slot.querySelectorAll(".nudge:not(.superseded)").forEach(function (old) {
        old.classList.add("superseded");
        old.setAttribute("aria-hidden", "true");
        window.setTimeout(function () { old.remove(); }, 600);
      });
      var card = nudgeCard(nudge);
      card.classList.add("fresh");
      slot.insertBefore(card, slot.firstChild);
    }

    watch(root, {
      nudge: function (frame) { showNudge(frame.nudge); },
      state: function (frame) { drawConcerns(root, frame.state.concerns || []); },
      hint: function (frame) { addHint(root, frame.hint); },
      ended: function () {
        slot.querySelectorAll(".nudge").forEach(function (old) { old.classList.add("superseded"); });
        closeDraft(root);
      },
      summary: function (frame) { showSummary(frame.summary); closeDraft(root); },
    });
    setUpDraft(root);
  }

  // Once the conversation ended there is no reply to check: the box and its button are
  // disabled (a draft typed is kept, greyed) and the panel's own sentence says why.
  function closeDraft(root) {
    var form = root.querySelector("#draft-form");
    if (!form) return;
    var why = root.querySelector("#draft-closed");
    var text = form.elements.draft;
    if (why) {
      why.hidden = false;
      text.setAttribute("aria-describedby", why.id);
    }
    text.disabled = true;
    form.querySelector("button[type=submit]").disabled = true;
    root.querySelector("#draft-status").textContent = "";
  }

  // --- the reply checker (chat and email) -------------------------------------------------------
  // A panel opened by a signed link (framed by another site, without heard's cookie) carries
  // its key in data-key: the watch stream takes it as ?key=, the API as X-Heard-Panel-Key.
  function panelHeaders(root, headers) {
    if (root.dataset.key) headers["X-Heard-Panel-Key"] = root.dataset.key;
    return headers;
  }

  function setUpDraft(root) {
    var form = root.querySelector("#draft-form");
    if (!form) return;
    var status = root.querySelector("#draft-status");
    var list = root.querySelector("#reply-issues");
    var id = form.dataset.conversation;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.elements.draft.disabled) return;  // the conversation ended
      var draft = form.elements.draft.value;
      if (!draft.trim()) { status.textContent = "Write a draft first."; return; }
      status.textContent = "checking…";
      list.textContent = "";
      fetch("/api/v1/live/" + pathPart(id), { credentials: "same-origin", headers: panelHeaders(root, { Accept: "application/json" }) })
        .then(function (response) {
          if (!response.ok) throw new Error("the conversation could not be read (" + response.status + ")");
          return response.json();
        })
        .then(function (live) {
          return fetch("/api/v1/replies/check", {
            method: "POST",
            credentials: "same-origin",
            headers: panelHeaders(root, { "Content-Type": "application/json", Accept: "application/json" }),
            body: JSON.stringify({
              conversation: { id: live.conversation_id, channel: root.dataset.channel, turns: live.transcript },
              draft: draft,
            }),
          });
        })
        .then(answered)
        .then(function (body) {
          var issues = body.issues || [];
          status.textContent = issues.length ? issues.length + (issues.length === 1 ? " thing" : " things") +
            " to look at" : "Looks good: nothing to fix.";
          issues.forEach(function (issue) {
            var item = el("li", "reply-issue k-" + issue.kind);
            item.dataset.kind = issue.kind;
            item.appendChild(el("p", "issue-message", issue.message));
            if (issue.suggestion) {
              var tip = el("p", "nudge-suggestion");
              tip.appendChild(el("strong", null, "Try:"));
              tip.appendChild(document.createTextNode(" " + issue.suggestion));
              item.appendChild(tip);
            }
            list.appendChild(item);
          });
        })
        .catch(function (err) { status.textContent = "Could not check: " + err.message; });
    });
  }

  // --- the supervisor's watch page ---------------------------------------------------------------
  function setUpWatch(root) {
    var transcript = root.querySelector("#live-transcript");
    var id = root.dataset.conversation;
    var pending = [];
    var fetching = false;
    var again = false;

    function shownTurns() {
      return transcript.querySelectorAll("li.turn").length;
    }

    function turnItem(turn) {
      var item = el("li", "turn " + turn.role);
      item.dataset.turn = turn.index;
      item.id = "t" + turn.index;
      var who = el("span", "who", turn.role);
      who.appendChild(el("span", "when", "turn " + turn.index));
      item.appendChild(who);
      item.appendChild(el("span", "text", turn.text));
      return item;
    }

    function placeNudge(nudge) {
      if (transcript.querySelector('[data-nudge="' + CSS.escape(nudge.id) + '"]')) return true;
      var at = nudge.turn === null || nudge.turn === undefined ? shownTurns() - 1 : nudge.turn;
      var turn = transcript.querySelector('li.turn[data-turn="' + at + '"]');
      if (!turn) return false;
      var after = turn;
      while (after.nextElementSibling && after.nextElementSibling.classList.contains("live-nudge")) {
        after = after.nextElementSibling;
      }
      var item = el("li", "live-nudge fresh");
      item.dataset.after = at;
      item.appendChild(nudgeCard(nudge));
      after.after(item);
      return true;
    }

    function placePending() {
      pending = pending.filter(function (nudge) { return !placeNudge(nudge); });
    }

    function addTurns(turns) {
      var empty = transcript.querySelector("#transcript-empty");
      turns.forEach(function (turn) {
        if (transcript.querySelector('li.turn[data-turn="' + turn.index + '"]')) return;
        if (empty) { empty.remove(); empty = null; }
        transcript.appendChild(turnItem(turn));
      });
      placePending();
    }

    // Frames carry the running state, not the words: new turns are read from the live API.
    function catchUp() {
      if (fetching) { again = true; return; }
      fetching = true;
      fetch("/api/v1/live/" + pathPart(id), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (live) {
          if (live) {
            addTurns(live.transcript || []);
            (live.nudges || []).forEach(function (nudge) { if (!placeNudge(nudge)) pending.push(nudge); });
          }
        })
        .catch(function () { /* the next state frame tries again */ })
        .then(function () {
          fetching = false;
          if (again) { again = false; catchUp(); }
        });
    }

    watch(root, {
      turn: function (frame) { addTurns([frame.turn]); },
      nudge: function (frame) { if (!placeNudge(frame.nudge)) { pending.push(frame.nudge); catchUp(); } },
      state: function (frame) {
        drawFigures(root, frame.state);
        drawConcerns(root, frame.state.concerns || []);
        if (frame.state.turns > shownTurns()) catchUp();
      },
      hint: function (frame) { addHint(root, frame.hint); },
    });
    setUpHintForm(root);
  }

  function setUpHintForm(root) {
    var form = root.querySelector("#hint-form");
    if (!form) return;
    var status = root.querySelector("#hint-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = form.elements.text.value;
      if (!text.trim()) { status.textContent = "Write a hint first."; return; }
      status.textContent = "sending…";
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        body: new FormData(form),
      })
        .then(answered)
        .then(function (hint) {
          addHint(root, hint);
          form.elements.text.value = "";
          status.textContent = "Sent.";
        })
        .catch(function (err) { status.textContent = "Not sent: " + err.message; });
    });
  }

  // --- the supervisor's board ---------------------------------------------------------------------
  function liveFor(started) {
    if (!started) return "—";
    var seconds = Math.max(0, Math.floor((Date.now() - Date.parse(started)) / 1000));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h && m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function boardRow(row) {
    var tr = el("tr");
    tr.dataset.conversation = row.conversation_id;
    tr.dataset.need = row.need;
    var who = el("td");
    var link = el("a", null, row.agent || row.conversation_id);
    link.href = "/live/" + pathPart(row.conversation_id);
    who.appendChild(link);
    tr.appendChild(who);
    tr.appendChild(el("td", "emotion e-" + (row.emotion || "unknown"), row.emotion || "—"));
    tr.appendChild(el("td", "num", scoreText(row.listening_score)));
    var risk = el("td");
    var bar = el("span", "bar risk");
    bar.title = percent(row.escalation_risk);
    var fill = el("span");
    fill.style.width = percent(row.escalation_risk);
    bar.appendChild(fill);
    risk.appendChild(bar);
    tr.appendChild(risk);
    tr.appendChild(el("td", "num", row.turns));
    var nudge = row.last_nudge;
    var cell = el("td", "last-nudge", nudge ? null : "—");
    if (nudge) {
      cell.appendChild(el("strong", "nudge-label", nudge.label));
      cell.appendChild(document.createTextNode(": " + nudge.message));
    }
    tr.appendChild(cell);
    var since = el("td", "num", liveFor(row.started));
    since.dataset.started = row.started || "";
    tr.appendChild(since);
    return tr;
  }

  function setUpBoard(root) {
    var body = root.querySelector("#board-rows");
    var empty = root.querySelector("#board-empty");
    var updated = root.querySelector("#board-updated");
    var every = 1000 * (parseFloat(root.dataset.poll) || 2);

    function refresh() {
      fetch("/api/v1/live", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("the server answered " + response.status);
          return response.json();
        })
        .then(function (answer) {
          var rows = Array.isArray(answer) ? answer : (answer.items || answer.conversations || []);
          rows.sort(function (a, b) { return (b.need || 0) - (a.need || 0); });
          body.textContent = "";
          rows.forEach(function (row) { body.appendChild(boardRow(row)); });
          empty.hidden = rows.length > 0;
          updated.textContent = new Date().toLocaleTimeString();
        })
        .catch(function (err) { updated.textContent = "failed (" + err.message + "), retrying"; })
        .then(function () { window.setTimeout(refresh, every); });
    }
    window.setTimeout(refresh, every);
  }

  // The first paint's bars carry their length as data-width (no style attributes: see heard.js).
  function sizeBars(root) {
    root.querySelectorAll("[data-width]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.width) || 0)) + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-live]");
    if (!root) return;
    sizeBars(root);
    if (root.dataset.live === "panel") setUpPanel(root);
    else if (root.dataset.live === "watch") setUpWatch(root);
    else if (root.dataset.live === "board") setUpBoard(root);
  });
})();
