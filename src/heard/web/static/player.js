// The conversation viewer's call player: the transcript follows the audio (the word being
// said and its turn lit, the turn kept in view), and a click — or Enter — on a word, a turn's
// time, a highlight or the timeline plays from there. Without audio, the timeline's turns and
// marks lead to their turn in the transcript. No build step, no other library.
"use strict";

(function () {
  var audio = null;
  var follow = null;
  var playhead = null;
  var seconds = 0;
  var turns = [];
  var lit = [];
  var playing = [];
  var frame = 0;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function time(el, name) {
    var value = parseFloat(el.getAttribute(name));
    return isFinite(value) ? value : null;
  }

  // Turns with their words in time order; a word cut in two by a highlight's edge is one word
  // with two spans.
  function index() {
    document.querySelectorAll("li.turn[data-start]").forEach(function (li) {
      var words = [];
      li.querySelectorAll(".w[data-start]").forEach(function (span) {
        var start = time(span, "data-start");
        var last = words[words.length - 1];
        if (last && last.start === start) { last.spans.push(span); return; }
        words.push({ start: start, spans: [span] });
      });
      turns.push({ el: li, start: time(li, "data-start"), end: time(li, "data-end"), words: words });
    });
  }

  function swap(before, after, name) {
    var changed = before.length !== after.length;
    before.forEach(function (el) { if (after.indexOf(el) < 0) { el.classList.remove(name); changed = true; } });
    after.forEach(function (el) { if (before.indexOf(el) < 0) { el.classList.add(name); changed = true; } });
    return changed;
  }

  function keepInView(el) {
    var box = el.getBoundingClientRect();
    var top = document.getElementById("player");
    var covered = top ? top.getBoundingClientRect().bottom : 0;
    if (box.top >= covered && box.bottom <= window.innerHeight) return;
    el.scrollIntoView({ block: "center", behavior: reduceMotion ? "auto" : "smooth" });
  }

  // Light the words being said (in each turn under way: both parties when they overlap); a
  // word stays lit through the pause after it.
  function update() {
    var now = audio.currentTime;
    var words = [];
    var under = [];
    turns.forEach(function (turn) {
      if (now < turn.start || now > turn.end + 0.25) return;
      under.push(turn.el);
      var said = null;
      for (var i = 0; i < turn.words.length && turn.words[i].start <= now + 0.02; i++) said = turn.words[i];
      if (said) words = words.concat(said.spans);
    });
    swap(lit, words, "now");
    lit = words;
    var moved = swap(playing, under, "playing");
    playing = under;
    if (moved && under.length && !audio.paused && follow && follow.checked) keepInView(under[under.length - 1]);
    if (playhead && seconds) {
      var x = Math.max(0, Math.min(100, (100 * now) / seconds)).toFixed(3) + "%";
      playhead.setAttribute("x1", x);
      playhead.setAttribute("x2", x);
    }
  }

  function loop() {
    update();
    frame = audio.paused ? 0 : window.requestAnimationFrame(loop);
  }

  function seek(at, play) {
    audio.currentTime = Math.max(0, at);
    update();
    if (play && audio.paused) {
      var started = audio.play();
      if (started && started.catch) started.catch(function () {});
    }
  }

  function turnOf(el) {
    var turn = el.getAttribute("data-turn");
    return turn === null ? null : document.getElementById("t" + turn);
  }

  // Where a click asks to play from, or null: a word, a highlight (its first word, else its
  // turn), a turn's time button, a bar or mark of the timeline, the timeline itself.
  function target(event) {
    var el = event.target;
    if (!el || !el.closest) return null;
    var word = el.closest(".w[data-start]");
    if (word) return { at: time(word, "data-start"), play: true };
    var mark = el.closest("mark.hl");
    if (mark) {
      var first = mark.querySelector(".w[data-start]");
      var turn = mark.closest("li.turn[data-start]");
      var at = first ? time(first, "data-start") : turn ? time(turn, "data-start") : null;
      return at === null ? null : { at: at, play: false };
    }
    var seeker = el.closest("[data-seek]");
    if (seeker) return { at: time(seeker, "data-seek"), play: true, turn: turnOf(seeker), link: seeker.closest("a") };
    var track = el.closest(".timeline svg.track");
    if (track && seconds) {
      var box = track.getBoundingClientRect();
      return { at: (seconds * (event.clientX - box.left)) / box.width, play: true };
    }
    return null;
  }

  function setUpPlayer() {
    audio = document.getElementById("call-audio");
    follow = document.getElementById("follow");
    playhead = document.querySelector(".timeline .playhead");
    var line = document.querySelector(".timeline[data-seconds]");
    seconds = line ? parseFloat(line.getAttribute("data-seconds")) || 0 : 0;
    index();
    audio.addEventListener("play", function () { if (!frame) frame = window.requestAnimationFrame(loop); });
    ["pause", "seeked", "timeupdate", "ended"].forEach(function (name) { audio.addEventListener(name, update); });
    audio.addEventListener("loadedmetadata", function () {
      if (!line && isFinite(audio.duration)) seconds = audio.duration;
    });
    // capture: before heard.js pins a highlight's explanation (which stops the click there)
    document.addEventListener("click", function (event) {
      var found = target(event);
      if (!found || found.at === null) return;
      if (found.link) event.preventDefault();
      seek(found.at, found.play);
      if (found.turn && (found.link || event.target.closest(".timeline"))) keepInView(found.turn);
    }, true);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") return;
      var mark = event.target.closest && event.target.closest("mark.hl");
      if (!mark) return;
      event.preventDefault();
      var found = target(event);
      if (found && found.at !== null) seek(found.at, true);
    });
  }

  // No audio: the timeline's bars lead to their turn (its marks are links already).
  function setUpTimelineOnly() {
    document.querySelectorAll(".timeline .bar[data-turn]").forEach(function (bar) {
      bar.addEventListener("click", function () {
        var turn = turnOf(bar);
        if (turn) window.location.hash = turn.id;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("call-audio")) setUpPlayer();
    else setUpTimelineOnly();
  });
})();
