// Venue screen: the current item of the run of show, by the clock or by the planner's click.
(function () {
  var items = JSON.parse(document.getElementById("items").textContent || "[]");
  var now = document.getElementById("now");
  var next = document.getElementById("next");
  var manual = null; // index chosen by hand, or null to follow the clock
  var vows = document.getElementById("vows");
  var vowsAudio = document.getElementById("vows-audio");
  var play = document.getElementById("play-vows");
  if (play && vowsAudio) {
    // Played only when the planner presses the button: never on its own.
    play.addEventListener("click", function () {
      if (vowsAudio.paused) { vowsAudio.play(); } else { vowsAudio.pause(); }
    });
    vowsAudio.addEventListener("play", function () { play.setAttribute("aria-pressed", "true"); });
    vowsAudio.addEventListener("pause", function () { play.setAttribute("aria-pressed", "false"); });
  }

  function byClock() {
    var t = Date.now();
    var current = 0;
    for (var i = 0; i < items.length; i++) {
      if (Date.parse(items[i].start) <= t) current = i;
    }
    return current;
  }

  function show() {
    if (!items.length) return;
    var i = manual === null ? byClock() : manual;
    now.textContent = items[i].title;
    next.textContent = i + 1 < items.length ? "→ " + items[i + 1].title : "";
    document.body.setAttribute("data-item", String(i));
    document.body.setAttribute("data-mode", manual === null ? "clock" : "manual");
    if (vows) vows.hidden = !items[i].vows; // the companion's voice, at the vows item only
  }

  function step(delta) {
    var i = manual === null ? byClock() : manual;
    manual = Math.max(0, Math.min(items.length - 1, i + delta));
    show();
  }

  document.getElementById("prev").addEventListener("click", function () { step(-1); });
  document.getElementById("forward").addEventListener("click", function () { step(1); });
  document.getElementById("auto").addEventListener("click", function () { manual = null; show(); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === " " || event.key === "PageDown") step(1);
    if (event.key === "ArrowLeft" || event.key === "PageUp") step(-1);
  });
  show();
  setInterval(show, 15000);
})();
