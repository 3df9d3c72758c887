// Progressive enhancement for the evidence page: save the written parts in the
// background a few seconds after typing stops (and the sharing choice at once), and
// keep the word counts and the checklist live.
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
  var checklist = document.querySelector(".checklist");

  // Every sentence shown comes from the page, in the reader's language: data-text-*
  // attributes with {words}, {min} or {time} where the number or the time goes.
  function text(element, name, values) {
    var template = (element && element.getAttribute("data-text" + (name ? "-" + name : ""))) || "";
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values || {}, key) ? String(values[key]) : whole;
    });
  }

  function countWords(text) {
    var words = text.match(/[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*/gu);
    return words ? words.length : 0;
  }

  // The checklist at the top follows what is typed, as the server would count it.
  function updateChecklist(name, words) {
    var item = document.querySelector('[data-checklist="' + name + '"]');
    if (!item) { return; }
    var minimum = parseInt(item.getAttribute("data-min"), 10);
    var done = words >= minimum;
    item.className = done ? "done" : "missing";
    item.querySelector(".tick").textContent = done ? "\u2713" : "\u25cb";
    // English and Spanish: one form for 1, the other for every other count.
    item.querySelector(".checklist-detail").textContent = done
      ? text(item, words === 1 ? "one" : "other", { words: words })
      : text(item, "short", { words: words });
    item.querySelector(".checklist-state").textContent = text(checklist, done ? "done" : "missing");
  }

  function updateCount(name) {
    var box = form.elements[name];
    var out = form.querySelector('[data-word-count-for="' + name + '"]');
    if (!box || !out) { return; }
    var words = countWords(box.value);
    out.textContent = text(out, "", { words: words });
    updateChecklist(name, words);
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
    status.textContent = text(status, "saving");
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        status.textContent = body.saved ? text(status, "saved", { time: body.saved_at })
          : (body.error || text(status, "failed"));
      })
      .catch(function () {
        status.textContent = text(status, "offline");
      })
      .then(function () {
        inFlight = false;
        if (again) { again = false; save(); }
      });
  }

  ["context", "reflection"].forEach(function (name) {
    var box = form.elements[name];
    if (!box) { return; }
    updateCount(name);  // the text may differ from the last save (restored by the browser)
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
