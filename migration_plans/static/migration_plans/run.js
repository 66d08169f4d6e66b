// Live playbook run: fetch only the events after the last one shown, until the job finishes.
(function () {
  const log = document.getElementById("events");
  if (!log) { return; }
  let last = parseInt(log.dataset.last || "0", 10);
  const bar = document.getElementById("run-progress");
  const status = document.getElementById("run-status");
  function showHosts(stats, error) {
    const body = document.getElementById("host-stats");
    if (!body) { return; }
    body.textContent = "";
    const names = Object.keys(stats);
    const row = function (cells) {
      const tr = document.createElement("tr");
      cells.forEach(function (c) { const td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
      body.appendChild(tr);
      return tr;
    };
    if (!names.length) { row(["No host ran" + (error ? ": " + error : "")]).firstChild.colSpan = 3; return; }
    names.forEach(function (h) { const s = stats[h]; row([h, s.status, [s.ok, s.changed, s.failed, s.unreachable].join("/")]); });
  }
  function tick() {
    fetch(log.dataset.url + "?after=" + last, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        data.events.forEach(function (e) {
          log.appendChild(document.createTextNode([e.counter, e.event, e.host || "", e.task || "", e.status || "", (e.stdout || "").slice(0, 300)].join(" ") + "\n"));
        });
        last = data.last;
        if (data.events.length) { log.scrollTop = log.scrollHeight; }
        // A failed run is shown as failed (red, with its reason), never as a full bar.
        const pct = data.progress_total ? Math.round(100 * data.progress_done / data.progress_total) : (data.finished && !data.failed ? 100 : 0);
        bar.setAttribute("aria-valuenow", pct);
        bar.firstElementChild.style.width = pct + "%";
        bar.firstElementChild.textContent = pct + "%" + (data.failed ? " — failed" : "");
        bar.firstElementChild.classList.toggle("bg-danger", !!data.failed);
        status.textContent = data.status_label || data.status;
        status.classList.toggle("text-danger", !!data.failed);
        const reason = document.getElementById("run-reason");
        if (data.finished) { showHosts(data.host_stats || {}, data.error); }
        if (reason && data.error) { reason.textContent = data.error; document.getElementById("run-reason-row").hidden = false; }
        if (!data.finished) { setTimeout(tick, 1500); } else if (data.events.length === 0) { /* done */ } else { setTimeout(tick, 200); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  tick();
})();
