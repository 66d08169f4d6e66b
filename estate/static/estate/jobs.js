// Live progress of a job (the job page, a discovery run page): poll status.json every 1.5 s until the job finishes;
// update the progress bar, status, summary counts and error, and append log lines. Everything from the server is
// inserted as text (textContent), never as HTML.
//
// The page marks its progress section with data-live="<prefix>" and gives the parts ids "<prefix>-progress",
// "-progress-text", "-status", "-log", "-log-empty", "-error" (and optionally "-cancel-form"); data-unit names what is
// counted ("hosts"); data-reload-when-finished="1" reloads the page once at the end (for server-rendered results).
(function () {
  "use strict";
  const live = document.querySelector("[data-live]");
  if (!live || live.dataset.finished === "1") { return; }
  const part = function (name) { return document.getElementById(live.dataset.live + "-" + name); };
  const url = live.dataset.statusUrl;
  const unit = live.dataset.unit ? " " + live.dataset.unit : "";
  const reload = live.dataset.reloadWhenFinished === "1";
  let after = parseInt(live.dataset.after || "0", 10);
  const bar = part("progress");
  const fill = bar.querySelector(".progress-bar");
  const text = part("progress-text");
  const badge = part("status");
  const log = part("log");
  const empty = part("log-empty");
  const error = part("error");
  const cancelForm = part("cancel-form");
  let failures = 0;

  function render(data) {
    const percent = data.progress_percent;
    const counted = data.progress_done + " of " + data.progress_total + unit;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-valuetext", percent + " % (" + counted + ")");
    fill.style.width = percent + "%";
    fill.classList.toggle("progress-bar-animated", data.status === "running");
    fill.classList.toggle("progress-bar-striped", data.status === "running");
    text.textContent = counted + " (" + percent + " %)";
    badge.textContent = data.status_label;
    badge.className = "badge align-middle fs-6 " + data.status_css;
    Object.keys(data.summary || {}).forEach(function (key) {
      const cell = live.querySelector('[data-summary="' + key + '"]');
      if (cell) { cell.textContent = String(data.summary[key]); }
    });
    data.log.forEach(function (entry) {
      const item = document.createElement("li");
      item.className = "log-" + entry.level;
      const time = document.createElement("time");
      time.textContent = entry.timestamp;
      const level = document.createElement("span");
      level.className = "text-uppercase";
      level.textContent = entry.level;
      item.append(time, " ", level, " " + entry.message);
      log.appendChild(item);
      after = entry.id;
    });
    if (data.log.length && empty) { empty.hidden = true; }
    if (data.error) {
      error.hidden = false;
      error.querySelector("pre").textContent = data.error;
    }
    if (cancelForm) {
      cancelForm.hidden = data.is_finished;
      const button = cancelForm.querySelector("button");
      if (data.cancel_requested && !data.is_finished) { button.disabled = true; button.textContent = "Cancel requested"; }
    }
  }

  function poll() {
    fetch(url + "?after=" + after, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        render(data);
        if (data.more_log) { window.setTimeout(poll, 200); }
        else if (!data.is_finished) { window.setTimeout(poll, 1500); }
        else if (reload) { window.setTimeout(function () { window.location.reload(); }, 800); }
      })
      .catch(function () {
        failures += 1;
        if (failures < 20) { window.setTimeout(poll, 3000); }
      });
  }
  window.setTimeout(poll, 1000);
})();
