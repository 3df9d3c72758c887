// Progressive enhancement for the evidence page: save the written parts in the
// background a few seconds after typing stops (and the sharing choice at once), and
// keep the word counts live.
// Without JavaScript the "Save draft" button does the same.
(function () {
  "use strict";
  var form = document.getElementById("evidence-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("save-status");
  var timer = null;
  var inFlight = false;
  var again = false;

  function countWords(text) {
    var words = text.match(/[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*/gu);
    return words ? words.length : 0;
  }

  function updateCount(name) {
    var box = form.elements[name];
    var out = form.querySelector('[data-word-count-for="' + name + '"]');
    if (!box || !out) { return; }
    out.textContent = countWords(box.value) + " of at least " +
      out.getAttribute("data-min") + " words";
  }

  function save() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    var data = new FormData();
    data.append("csrf_token", form.elements["csrf_token"].value);
    data.append("context", form.elements["context"].value);
    data.append("reflection", form.elements["reflection"].value);
    var share = form.elements["share_evidence_in_badge"];
    if (share) {
      data.append("share_evidence_sent", "1");
      if (share.checked) { data.append("share_evidence_in_badge", "y"); }
    }
    status.textContent = "Saving…";
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        status.textContent = body.saved ? "Saved at " + body.saved_at + " UTC"
          : (body.error || "Not saved. Please use the Save draft button.");
      })
      .catch(function () {
        status.textContent = "Not saved (connection problem). Please use the Save draft button.";
      })
      .then(function () {
        inFlight = false;
        if (again) { again = false; save(); }
      });
  }

  ["context", "reflection"].forEach(function (name) {
    var box = form.elements[name];
    if (!box) { return; }
    box.addEventListener("input", function () {
      updateCount(name);
      clearTimeout(timer);
      timer = setTimeout(save, 3000);
    });
  });

  var shareBox = form.elements["share_evidence_in_badge"];
  if (shareBox) {
    shareBox.addEventListener("change", function () {
      clearTimeout(timer);
      save();
    });
  }
}());
