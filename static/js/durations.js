// The ceremony form offers only the chosen venue's lengths: each venue option lists them in
// data-durations, and the length menu hides the others. The server checks the length too.
// No inline script anywhere (CSP).
(function () {
  var venue = document.getElementById("venue_id");
  var length = document.getElementById("duration_minutes");
  if (!venue || !length) return;
  function follow() {
    var chosen = venue.options[venue.selectedIndex];
    if (!chosen || chosen.getAttribute("data-durations") === null) return;
    var offered = chosen.getAttribute("data-durations").split(" ");
    var first = null;
    Array.prototype.forEach.call(length.options, function (option) {
      var mine = offered.indexOf(option.value) !== -1;
      option.hidden = !mine;
      option.disabled = !mine;
      if (mine && first === null) first = option;
    });
    // A length the new venue does not offer gives way to its shortest.
    if (length.selectedOptions.length && length.selectedOptions[0].disabled && first) {
      first.selected = true;
    }
  }
  venue.addEventListener("change", follow);
  // On load the server has offered the shown venue's lengths (and kept a refused one shown
  // beside its message); only a venue the browser restored (back, reload) needs following.
  var shown = venue.options[venue.selectedIndex];
  if (shown && !shown.defaultSelected && venue.querySelector("option[selected]")) follow();
})();
