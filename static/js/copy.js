// Copy buttons: <button data-copy="#input-id" data-copied="Copied">. No inline script anywhere (CSP).
// The field is selected first: where the clipboard is out of reach, it is ready to copy by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  if (!button.hasAttribute("data-label")) button.setAttribute("data-label", button.textContent);
  var done = function () {
    button.textContent = button.getAttribute("data-copied") || "✓";
    clearTimeout(button.copyTimer);  // a second click within the moment keeps the first label
    button.copyTimer = setTimeout(function () {
      button.textContent = button.getAttribute("data-label");
    }, 1500);
  };
  var byHand = function () {
    if (document.execCommand("copy")) done();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, byHand);
  } else {
    byHand();
  }
});
