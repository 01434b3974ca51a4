// The ceremony form offers only the chosen client's companions: options carry data-client.
// No inline script anywhere (CSP).
(function () {
  var client = document.getElementById("client_id");
  var companion = document.getElementById("companion_id");
  if (!client || !companion) return;
  function filter() {
    Array.prototype.forEach.call(companion.options, function (option) {
      var owner = option.getAttribute("data-client");
      if (owner === null) return; // "not chosen yet"
      var mine = owner === client.value;
      option.hidden = !mine;
      option.disabled = !mine;
      if (!mine && option.selected) companion.value = "";
    });
  }
  client.addEventListener("change", filter);
  filter();
})();
