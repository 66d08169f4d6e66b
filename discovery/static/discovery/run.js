// Discovery run page: poll the run's status.json every 1.5 s; update the progress bar, summary and log.
// Everything from the server is inserted as text (textContent), never as HTML. When the run ends, reload once so
// the per-host results table (rendered and escaped by the server) appears.
(function () {
  "use strict";
  const live = document.getElementById("run-live");
  if (!live || live.dataset.finished === "1") { return; }
  const url = live.dataset.statusUrl;
  let after = parseInt(live.dataset.after || "0", 10);
  const bar = document.getElementById("run-progress");
  const fill = bar.querySelector(".progress-bar");
  const text = document.getElementById("run-progress-text");
  const badge = document.getElementById("run-status");
  const log = document.getElementById("run-log");
  const empty = document.getElementById("run-log-empty");
  const error = document.getElementById("run-error");
  let failures = 0;

  function render(data) {
    const percent = data.progress_percent;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-valuetext", percent + " % (" + data.progress_done + " of " + data.progress_total + " hosts)");
    fill.style.width = percent + "%";
    fill.classList.toggle("progress-bar-animated", data.status === "running");
    fill.classList.toggle("progress-bar-striped", data.status === "running");
    text.textContent = data.progress_done + " of " + data.progress_total + " hosts (" + percent + " %)";
    badge.textContent = data.status_label;
    badge.className = "badge align-middle fs-6 " + data.status_css;
    Object.keys(data.summary || {}).forEach(function (key) {
      const cell = document.querySelector('[data-summary="' + key + '"]');
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
        else { window.setTimeout(function () { window.location.reload(); }, 800); }
      })
      .catch(function () {
        failures += 1;
        if (failures < 20) { window.setTimeout(poll, 3000); }
      });
  }
  window.setTimeout(poll, 1000);
})();
