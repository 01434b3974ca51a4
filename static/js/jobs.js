// Background jobs: <div data-job="/jobs/ID" data-done-url="…"> polls the job's JSON until it
// has finished, shows its progress in [data-job-progress], then loads data-done-url (or this
// page again). No inline script anywhere (CSP); without JavaScript a meta refresh does it.
(function () {
  function finish(target) {
    // A URL that differs from this page only by its #fragment would not load again.
    if (target) {
      var next = new URL(target, window.location.href);
      if (next.pathname + next.search !== window.location.pathname + window.location.search) {
        window.location.assign(next.href);
        return;
      }
    }
    window.location.reload();
  }
  function watch(box) {
    var url = box.getAttribute("data-job");
    var bar = box.querySelector("[data-job-progress]");
    var delay = 700;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) return;
          if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
          if (job.status === "done" || job.status === "failed") {
            finish(box.getAttribute("data-done-url"));
            return;
          }
          delay = Math.min(delay * 1.3, 4000);
          setTimeout(poll, delay);
        })
        .catch(function () { setTimeout(poll, 4000); });
    }
    setTimeout(poll, delay);
  }
  document.querySelectorAll("[data-job]").forEach(watch);
})();
