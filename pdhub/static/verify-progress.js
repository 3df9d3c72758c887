// Batch verification progress: poll the JSON and move the bar; reload when done.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var panel = document.querySelector("[data-progress-url]");
  if (!panel || panel.getAttribute("data-done") === "true") { return; }
  var bar = document.getElementById("batch-progress");
  var text = document.getElementById("progress-text");
  var url = panel.getAttribute("data-progress-url");
  function format(n) { return n.toLocaleString("en-US"); }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 3000); return; }
        bar.max = data.total;
        bar.value = data.checked;
        bar.textContent = data.percent + "%";
        if (data.done) { window.location.reload(); return; }
        text.textContent = format(data.checked) + " of " + format(data.total) +
          " checked (" + data.percent + "%). This page updates by itself; you can leave and come back.";
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
