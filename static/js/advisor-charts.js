// Package advisor (advisor/advice.html): per top candidate and item, daily converted usage against the daily
// capacity. Data come from the json_script block, labels from data-* attributes (CSP: no inline script).
(function () {
  const el = document.getElementById("advisor-data");
  if (!el || typeof Chart === "undefined") { return; }
  const d = JSON.parse(el.textContent);
  document.querySelectorAll(".advisor-charts").forEach(function (box) {
    const c = d.candidates.find(function (x) { return x.key === box.dataset.candidate; });
    if (!c) { return; }
    c.items.forEach(function (item) {
      const title = document.createElement("h4");
      title.className = "h6 mt-2";
      title.textContent = item.item;
      const canvas = document.createElement("canvas");
      canvas.height = 140;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", item.item);
      box.appendChild(title);
      box.appendChild(canvas);
      new Chart(canvas, {
        data: {labels: d.labels, datasets: [
          {type: "bar", label: box.dataset.labelUsage, data: item.usage, backgroundColor: "#4c9be8"},
          {type: "line", label: box.dataset.labelCapacity, data: item.capacity, borderColor: "#2d7a3a", stepped: true, pointRadius: 0}
        ]},
        options: {scales: {y: {beginAtZero: true}}}
      });
    });
  });
})();
