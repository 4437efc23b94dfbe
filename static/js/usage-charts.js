// Usage against quota (quota/usage.html). Data come from json_script blocks, labels from data-* attributes.
(function () {
  const el = document.getElementById("quota-data");
  const canvas = document.getElementById("quota-chart");
  if (!el || !canvas || typeof Chart === "undefined") { return; }
  const d = JSON.parse(el.textContent);
  const labels = canvas.dataset;
  new Chart(canvas, {
    data: {labels: d.labels, datasets: [
      {type: "bar", label: labels.labelCovered, data: d.covered, stack: "u", backgroundColor: "#4c9be8"},
      {type: "bar", label: labels.labelOverage, data: d.overage, stack: "u", backgroundColor: "#e8744c"},
      {type: "line", label: labels.labelCapacity, data: d.capacity, borderColor: "#2d7a3a", stepped: true, pointRadius: 0}
    ]},
    options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}}
  });
  const wd = document.getElementById("workspace-data");
  const wc = document.getElementById("workspace-chart");
  if (!wd || !wc) { return; }
  const w = JSON.parse(wd.textContent);
  new Chart(wc, {
    type: "bar",
    data: {labels: w.labels, datasets: w.series.map(function (s) { return {label: s.label, data: s.data, stack: "w"}; })},
    options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}}
  });
})();
