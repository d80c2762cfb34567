/* The interview page's player: a click on a timecode seeks (in the transcript, the contents and
   the hits of a search inside the interview; without JavaScript the link opens that moment), the current transcript line and index point are marked and kept
   in view while it plays, ?t=SECONDS opens at a moment, and keys control the player:
   k play/pause, j/l back/forward 5 seconds, p/n previous/next index point. */
(function () {
  "use strict";
  var SKIP_SECONDS = 5;

  function ready() {
    var players = Array.prototype.slice.call(document.querySelectorAll(".player"));
    if (!players.length) { return; }
    var byRecording = {};
    players.forEach(function (player) { byRecording[player.dataset.recording] = player; });
    var active = players[0];
    var segments = Array.prototype.slice.call(document.querySelectorAll("tr.segment"));
    var points = Array.prototype.slice.call(document.querySelectorAll(".index-point"));
    var moment = document.querySelector(".cite-moment");
    var base = moment ? moment.href.split("?")[0] : null;

    function playerFor(recording) { return byRecording[recording] || active; }

    function seek(player, seconds, play) {
      active = player;
      var go = function () {
        player.currentTime = seconds;
        if (play) { var started = player.play(); if (started && started.catch) { started.catch(function () {}); } }
        mark();
      };
      if (player.readyState >= 1) { go(); } else { player.addEventListener("loadedmetadata", go, { once: true }); player.load(); }
    }

    function startOf(element) {
      var link = element.querySelector("[data-start]");
      return parseFloat((link || element).dataset.start);
    }

    function markIn(items, time, recording, endOf) {
      var current = null;
      items.forEach(function (item) {
        var link = item.querySelector("[data-start]");
        if (!link || link.dataset.recording !== recording) { return; }
        var start = parseFloat(link.dataset.start);
        if (start <= time + 0.05 && (endOf === null || time < endOf(item))) { current = item; }
      });
      items.forEach(function (item) {
        var on = item === current;
        item.classList.toggle("current", on);
        if (on) { item.setAttribute("aria-current", "true"); } else { item.removeAttribute("aria-current"); }
      });
      return current;
    }

    var lastLine = null;
    function mark() {
      var time = active.currentTime;
      var recording = active.dataset.recording;
      var line = markIn(segments, time, recording, function (row) { return parseFloat(row.dataset.end); });
      markIn(points, time, recording, null);
      if (line && line !== lastLine) { line.scrollIntoView({ block: "nearest" }); }
      lastLine = line;
      if (moment && base) { moment.href = base + "?t=" + Math.floor(time); }
    }

    players.forEach(function (player) {
      player.addEventListener("timeupdate", function () { if (player === active) { mark(); } });
      player.addEventListener("seeked", function () { if (player === active) { mark(); } });
      player.addEventListener("play", function () { active = player; });
    });

    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a.timecode[data-start]") : null;
      if (!link) { return; }
      event.preventDefault();
      seek(playerFor(link.dataset.recording), parseFloat(link.dataset.start), true);
    });

    var startAt = active.dataset.startAt;
    if (startAt !== undefined) { seek(active, parseFloat(startAt), false); }

    function pointStarts() {
      return points.map(function (item) { return item.querySelector("[data-start]"); })
        .filter(function (link) { return link && link.dataset.recording === active.dataset.recording; })
        .map(function (link) { return parseFloat(link.dataset.start); });
    }

    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
      var time = active.currentTime;
      var starts = pointStarts();
      var next;
      switch (event.key) {
        case "k":
          if (active.paused) { seek(active, time, true); } else { active.pause(); }
          break;
        case "j": seek(active, Math.max(0, time - SKIP_SECONDS), !active.paused); break;
        case "l": seek(active, time + SKIP_SECONDS, !active.paused); break;
        case "n":
          next = starts.filter(function (s) { return s > time + 0.5; })[0];
          if (next === undefined) { return; }
          seek(active, next, !active.paused);
          break;
        case "p":
          next = starts.filter(function (s) { return s < time - 1; }).pop();
          seek(active, next === undefined ? 0 : next, !active.paused);
          break;
        default: return;
      }
      event.preventDefault();
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
