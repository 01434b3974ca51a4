// Copy buttons: <button data-copy="#input-id">. No inline script anywhere (CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  var done = function () {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || "✓";
    setTimeout(function () { button.textContent = label; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done);
  } else {
    document.execCommand("copy");
    done();
  }
});
