// heard's pages: say a chart point's details on tap, explain highlights on hover, focus or tap,
// prefill coaching notes, and upload files one by one with progress. No build step.
"use strict";

(function () {
  // Charts are inline SVG drawn by the server; each point, bar and week carries a <title>
  // that a pointer shows on hover. A tap (no hover on a phone) or a click writes it under the
  // chart instead, where a screen reader hears it too (aria-live).
  function setUpCharts() {
    document.querySelectorAll("figure.chart").forEach(function (figure) {
      var readout = figure.querySelector(".chart-readout");
      var svg = figure.querySelector("svg.plot");
      if (!readout || !svg) return;
      svg.addEventListener("click", function (event) {
        var target = event.target;
        while (target && target !== svg) {
          var title = target.querySelector && target.querySelector(":scope > title");
          if (title) { readout.textContent = title.textContent; return; }
          target = target.parentNode;
        }
      });
    });
  }

  // Bars carry their length as data-width (a percentage): the pages have no style attributes,
  // which the Content-Security-Policy would refuse; a style set from a script is allowed.
  function sizeBars(root) {
    root.querySelectorAll("[data-width]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.width) || 0)) + "%";
    });
  }

  // --- highlight explanations -------------------------------------------------------------
  var popover = null;
  var pinned = null;

  function findingsFor(el) {
    return (el.dataset.findings || "").split(" ").filter(Boolean).map(function (id) {
      return document.getElementById("f" + id);
    }).filter(Boolean);
  }

  function show(el) {
    if (!popover) return;
    var items = findingsFor(el);
    if (!items.length) return;
    popover.innerHTML = "";
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = item.className;
      li.innerHTML = item.innerHTML;
      list.appendChild(li);
    });
    popover.appendChild(list);
    popover.hidden = false;
    var box = el.getBoundingClientRect();
    var top = window.scrollY + box.bottom + 6;
    var left = Math.max(8, Math.min(window.scrollX + box.left,
      window.scrollX + document.documentElement.clientWidth - popover.offsetWidth - 8));
    popover.style.top = top + "px";
    popover.style.left = left + "px";
    el.setAttribute("aria-describedby", "popover");
  }

  function hide(el) {
    if (!popover || pinned) return;
    popover.hidden = true;
    if (el) el.removeAttribute("aria-describedby");
  }

  function setUpHighlights() {
    popover = document.getElementById("popover");
    if (!popover) return;
    document.querySelectorAll("[data-findings]").forEach(function (el) {
      el.addEventListener("mouseenter", function () { if (!pinned) show(el); });
      el.addEventListener("mouseleave", function () { hide(el); });
      el.addEventListener("focus", function () { if (!pinned) show(el); });
      el.addEventListener("blur", function () { hide(el); });
      el.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        if (pinned === el) { pinned = null; hide(el); return; }
        pinned = null;
        show(el);
        pinned = el;
        popover.classList.add("pinned");
      });
    });
    document.addEventListener("click", function (event) {
      if (pinned && !popover.contains(event.target)) {
        pinned = null;
        popover.classList.remove("pinned");
        hide();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { pinned = null; popover.classList.remove("pinned"); hide(); }
    });
  }

  // --- coaching notes: "Add a note here" and the selected words ----------------------------
  function setUpNotes() {
    var form = document.getElementById("note-form");
    if (!form) return;
    document.querySelectorAll("button.note-here").forEach(function (button) {
      button.addEventListener("click", function () {
        var turn = button.dataset.turn;
        form.elements.turn.value = turn;
        form.elements.start.value = "";
        form.elements.end.value = "";
        var text = document.querySelector("#t" + turn + " .text");
        var selection = window.getSelection();
        if (text && selection && selection.rangeCount && !selection.isCollapsed) {
          var range = selection.getRangeAt(0);
          if (text.contains(range.startContainer) && text.contains(range.endContainer)) {
            var before = document.createRange();
            before.setStart(text, 0);
            before.setEnd(range.startContainer, range.startOffset);
            var start = before.toString().length;
            var subject = text.querySelector("strong.subject");
            if (subject) start -= subject.textContent.length + 1;
            form.elements.start.value = start;
            form.elements.end.value = start + range.toString().length;
          }
        }
        form.scrollIntoView({ behavior: "smooth", block: "center" });
        form.elements.text.focus();
      });
    });
  }

  // --- upload: one request per file, with progress -----------------------------------------
  function setUpUpload() {
    var form = document.getElementById("upload-form");
    if (!form || typeof XMLHttpRequest === "undefined") return;
    var results = document.getElementById("upload-results");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var empty = document.getElementById("upload-empty");
      if (empty) empty.remove();
      Array.prototype.forEach.call(form.elements.files.files, function (file) {
        var row = document.createElement("li");
        row.className = "result pending";
        var name = document.createElement("strong");
        name.className = "file";
        name.textContent = file.name;
        var progress = document.createElement("progress");
        progress.max = 100;
        progress.value = 0;
        var status = document.createElement("span");
        status.className = "status";
        status.textContent = "uploading…";
        row.append(name, " ", progress, " ", status);
        results.appendChild(row);
        function done(ok, message) {
          row.className = "result " + (ok ? "ok" : "error");
          progress.remove();
          status.textContent = (ok ? "✓ " : "✗ ") + message;
        }
        if (maxBytes && file.size > maxBytes) {
          done(false, "too large: " + file.size + " bytes, at most " + maxBytes);
          return;
        }
        var body = new FormData();
        body.append("csrf_token", form.elements.csrf_token.value);
        body.append("format", form.elements.format.value);
        body.append("files", file, file.name);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total);
        });
        xhr.addEventListener("load", function () {
          var answer = null;
          try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = null; }
          if (xhr.status >= 200 && xhr.status < 300 && answer && answer.results && answer.results.length) {
            var r = answer.results[0];
            if (r.ok) {
              done(true, r.conversations + " conversation" + (r.conversations === 1 ? "" : "s") +
                ", " + r.turns + " turns" + (r.format ? " (" + r.format + ")" : "") +
                (r.recordings ? "; audio kept (redacted copy)" : "") +
                (r.notes || []).map(function (note) { return "; " + note; }).join(""));
            } else {
              done(false, r.error || "could not be imported");
            }
          } else {
            var message = answer && answer.error && answer.error.message;
            done(false, message || ("the server answered " + xhr.status));
          }
        });
        xhr.addEventListener("error", function () { done(false, "the upload did not reach the server"); });
        xhr.send(body);
      });
      form.reset();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sizeBars(document);
    setUpCharts();
    setUpHighlights();
    setUpNotes();
    setUpUpload();
  });
})();
