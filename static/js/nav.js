// Phones: the main navigation folds behind a Menu button. No inline script anywhere (CSP);
// without this file the navigation simply stays open. The business menu is a <details>: it
// works by itself; here it also closes on Escape (focus back on it) and on a click elsewhere.
(function () {
  var more = document.querySelector(".nav-more");
  if (more) {
    document.addEventListener("click", function (event) {
      if (more.open && !more.contains(event.target)) more.open = false;
    });
    more.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && more.open) {
        more.open = false;
        more.querySelector("summary").focus();
      }
    });
  }
  var toggle = document.querySelector(".nav-toggle");
  var header = document.querySelector(".site-header");
  if (!toggle || !header) return;
  document.documentElement.classList.add("js");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = header.classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
