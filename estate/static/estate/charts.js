// Draw every chart described in the #chart-data JSON (id, title, rows [{label, count}], type).
(function () {
  const node = document.getElementById("chart-data");
  if (!node || typeof Chart === "undefined") { return; }
  const palette = ["#1d3a5f", "#2f6f9f", "#4e9a06", "#c17d11", "#a40000", "#5c3566", "#3465a4", "#75507b", "#8f5902", "#555753"];
  JSON.parse(node.textContent).forEach(function (chart) {
    const canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: chart.type || "bar",
      data: {
        labels: chart.rows.map(function (r) { return r.label; }),
        datasets: (chart.datasets || [{ label: chart.label || "Devices", data: chart.rows.map(function (r) { return r.count; }) }])
          .map(function (ds, i) { return Object.assign({ backgroundColor: ds.color || (chart.type === "doughnut" ? palette : palette[i % palette.length]) }, ds); })
      },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: chart.type === "doughnut" || !!chart.datasets } } }
    });
  });
})();
