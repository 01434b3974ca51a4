// Recordings of vows being made in the background: show their progress, reload when done.
(function () {
  "use strict";
  var pending = document.querySelectorAll("[data-audio-status]");
  if (!pending.length) return;
  function poll() {
    var open = 0;
    pending.forEach(function (element) {
      if (element.dataset.finished) return;
      open += 1;
      fetch(element.dataset.audioStatus, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) return;
          var bar = element.querySelector("progress");
          if (bar) { bar.value = state.progress; bar.textContent = state.progress + "%"; }
          if (state.status === "done" || state.status === "failed") {
            element.dataset.finished = "1";
            window.location.reload();
          }
        })
        .catch(function () {});
    });
    if (open) window.setTimeout(poll, 2000);
  }
  window.setTimeout(poll, 1000);
})();
