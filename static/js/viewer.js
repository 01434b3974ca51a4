// The AR viewer: tell the page (and tests) when the model has loaded or failed.
(function () {
  var viewer = document.getElementById("companion");
  if (!viewer) return;
  var status = document.getElementById("status");
  viewer.addEventListener("load", function () {
    viewer.setAttribute("data-state", "loaded");
    if (status) status.hidden = true;
  });
  viewer.addEventListener("error", function () {
    viewer.setAttribute("data-state", "error");
    if (status) status.textContent = status.getAttribute("data-error") || "!";
  });
})();
