// Without script the server cannot know a person's zone. When their own choice is
// unset, pre-select the browser's zone and say so; only the Save button stores it.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  var selects = document.querySelectorAll("select[data-browser-zone]");
  Array.prototype.forEach.call(selects, function (select) {
    if (select.value !== "" || select.getAttribute("aria-invalid") === "true") { return; }
    if (select.getAttribute("data-browser-zone") === zone) { return; }
    var match = Array.prototype.filter.call(select.options, function (option) {
      return option.value === zone;
    })[0];
    if (!match) { return; }
    match.selected = true;
    var note = document.getElementById(select.id + "-browser");
    if (note) {
      note.textContent = "Your browser is set to " + zone.replace(/_/g, " ") +
        ", so we picked it. Press Save time zone to keep it.";
      note.hidden = false;
    }
  });
})();
