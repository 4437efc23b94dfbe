// Finance's revenue page in admin (statements/admin/revenue.html).
(function () {
  const el = document.getElementById("revenue-data");
  const canvas = document.getElementById("revenue-chart");
  if (!el || !canvas || typeof Chart === "undefined") { return; }
  const d = JSON.parse(el.textContent);
  const labels = canvas.dataset;
  new Chart(canvas, {
    data: { labels: d.labels, datasets: [
      { type: "bar", label: labels.labelUsage, data: d.usage.map(Number), stack: "rev" },
      { type: "bar", label: labels.labelOrders, data: d.orders.map(Number), stack: "rev" },
      { type: "line", label: labels.labelRecharges, data: d.recharges.map(Number) },
    ]},
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  });
})();
