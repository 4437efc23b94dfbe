// Usage against quota (quota/usage.html). Data come from json_script blocks, labels from data-* attributes.
// Look and axes from chart-theme.js (FeeChart).
(function () {
  const el = document.getElementById("quota-data");
  const canvas = document.getElementById("quota-chart");
  if (!el || !canvas || typeof Chart === "undefined" || !window.FeeChart) { return; }
  const T = window.FeeChart;
  const d = JSON.parse(el.textContent);
  const labels = canvas.dataset;
  new Chart(canvas, {
    data: {labels: d.labels, datasets: [
      {type: "bar", label: labels.labelCovered, data: d.covered, stack: "u", backgroundColor: T.colors.primary},
      {type: "bar", label: labels.labelOverage, data: d.overage, stack: "u", backgroundColor: T.colors.amber},
      {type: "bar", label: labels.labelPayg, data: d.payg, stack: "u", backgroundColor: T.colors.slate},
      {type: "line", label: labels.labelCapacity, data: d.capacity, borderColor: T.colors.teal, backgroundColor: T.colors.teal, stepped: true, pointRadius: 0}
    ]},
    options: {aspectRatio: T.aspect(canvas, 2.4), scales: T.scales({x: {stacked: true}, y: {stacked: true}})}
  });
  const wd = document.getElementById("workspace-data");
  const wc = document.getElementById("workspace-chart");
  if (!wd || !wc) { return; }
  const w = JSON.parse(wd.textContent);
  new Chart(wc, {
    type: "bar",
    data: {labels: w.labels, datasets: w.series.map(function (s, i) {
      return {label: s.label, data: s.data, stack: "w", backgroundColor: T.series[i % T.series.length]};
    })},
    options: {aspectRatio: T.aspect(wc, 2.4), scales: T.scales({x: {stacked: true}, y: {stacked: true}})}
  });
})();
