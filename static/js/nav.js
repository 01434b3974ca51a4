// Phones: the main navigation folds behind a Menu button. No inline script anywhere (CSP);
// without this file the navigation simply stays open.
(function () {
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
