// Batch verification progress: poll the JSON and move the bar; reload when done.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var panel = document.querySelector("[data-progress-url]");
  if (!panel || panel.getAttribute("data-done") === "true") { return; }
  var bar = document.getElementById("batch-progress");
  var text = document.getElementById("progress-text");
  var url = panel.getAttribute("data-progress-url");
  var locale = panel.getAttribute("data-locale") || "en";
  var template = panel.getAttribute("data-progress-text") || "";
  function format(n) { return n.toLocaleString(locale === "en" ? "en-US" : locale); }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 3000); return; }
        bar.max = data.total;
        bar.value = data.checked;
        bar.textContent = data.percent + "%";
        if (data.done) { window.location.reload(); return; }
        text.textContent = template.replace("{checked}", format(data.checked))
          .replace("{total}", format(data.total)).replace("{percent}", data.percent);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
