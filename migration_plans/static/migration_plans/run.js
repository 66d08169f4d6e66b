// Live playbook run: fetch only the events after the last one shown, until the job finishes.
(function () {
  const log = document.getElementById("events");
  if (!log) { return; }
  let last = parseInt(log.dataset.last || "0", 10);
  const bar = document.getElementById("run-progress");
  const status = document.getElementById("run-status");
  function tick() {
    fetch(log.dataset.url + "?after=" + last, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        data.events.forEach(function (e) {
          log.appendChild(document.createTextNode([e.counter, e.event, e.host || "", e.task || "", e.status || "", (e.stdout || "").slice(0, 300)].join(" ") + "\n"));
        });
        last = data.last;
        if (data.events.length) { log.scrollTop = log.scrollHeight; }
        const pct = data.progress_total ? Math.round(100 * data.progress_done / data.progress_total) : (data.finished ? 100 : 0);
        bar.setAttribute("aria-valuenow", pct);
        bar.firstElementChild.style.width = pct + "%";
        bar.firstElementChild.textContent = pct + "%";
        status.textContent = data.status;
        if (!data.finished) { setTimeout(tick, 1500); } else if (data.events.length === 0) { /* done */ } else { setTimeout(tick, 200); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  tick();
})();
