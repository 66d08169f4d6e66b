// Job page: poll the job's status.json every 1.5 s until it finishes; update the progress bar and append log lines.
(function () {
  "use strict";
  const live = document.getElementById("job-live");
  if (!live || live.dataset.finished === "1") { return; }
  const url = live.dataset.statusUrl;
  let after = parseInt(live.dataset.after || "0", 10);
  const bar = document.getElementById("job-progress");
  const fill = bar.querySelector(".progress-bar");
  const text = document.getElementById("job-progress-text");
  const badge = document.getElementById("job-status");
  const log = document.getElementById("job-log");
  const empty = document.getElementById("job-log-empty");
  const error = document.getElementById("job-error");
  const cancelForm = document.getElementById("job-cancel-form");
  let failures = 0;

  function render(data) {
    const percent = data.progress_percent;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-valuetext", percent + " % (" + data.progress_done + " of " + data.progress_total + ")");
    fill.style.width = percent + "%";
    fill.classList.toggle("progress-bar-animated", data.status === "running");
    fill.classList.toggle("progress-bar-striped", data.status === "running");
    text.textContent = data.progress_done + " of " + data.progress_total + " (" + percent + " %)";
    badge.textContent = data.status_label;
    badge.className = "badge align-middle fs-6 " + data.status_css;
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
        if (!data.is_finished || data.more_log) { window.setTimeout(poll, data.more_log ? 200 : 1500); }
      })
      .catch(function () {
        failures += 1;
        if (failures < 20) { window.setTimeout(poll, 3000); }
      });
  }
  window.setTimeout(poll, 1000);
})();
