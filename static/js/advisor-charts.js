// Package advisor (advisor/advice.html): per top candidate and item, daily converted usage against the daily
// capacity. Data come from the json_script block, labels from data-* attributes (CSP: no inline script).
// Look and axes from chart-theme.js (FeeChart).
(function () {
  const el = document.getElementById("advisor-data");
  if (!el || typeof Chart === "undefined" || !window.FeeChart) { return; }
  const T = window.FeeChart;
  const d = JSON.parse(el.textContent);
  document.querySelectorAll(".advisor-charts").forEach(function (box) {
    const c = d.candidates.find(function (x) { return x.key === box.dataset.candidate; });
    if (!c) { return; }
    c.items.forEach(function (item) {
      const title = document.createElement("h4");
      title.className = "h6 mt-3 mb-1";
      title.textContent = item.item;
      const canvas = document.createElement("canvas");
      canvas.height = 140;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", item.item);
      box.appendChild(title);
      box.appendChild(canvas);
      new Chart(canvas, {
        data: {labels: d.labels, datasets: [
          {type: "bar", label: box.dataset.labelUsage, data: item.usage, backgroundColor: T.colors.primary},
          {type: "line", label: box.dataset.labelCapacity, data: item.capacity, borderColor: T.colors.teal, backgroundColor: T.colors.teal, stepped: true, pointRadius: 0}
        ]},
        options: {aspectRatio: T.aspect(canvas, 2.6), scales: T.scales()}
      });
    });
  });
})();
