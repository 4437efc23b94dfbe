// Finance's revenue page in admin (statements/admin/revenue.html). Look and axes from chart-theme.js (FeeChart).
(function () {
  const el = document.getElementById("revenue-data");
  const canvas = document.getElementById("revenue-chart");
  if (!el || !canvas || typeof Chart === "undefined" || !window.FeeChart) { return; }
  const T = window.FeeChart;
  const d = JSON.parse(el.textContent);
  const labels = canvas.dataset;
  new Chart(canvas, {
    data: { labels: d.labels, datasets: [
      { type: "bar", label: labels.labelUsage, data: d.usage.map(Number), stack: "rev", backgroundColor: T.colors.primary },
      { type: "bar", label: labels.labelOrders, data: d.orders.map(Number), stack: "rev", backgroundColor: T.colors.primarySoft },
      { type: "line", label: labels.labelRecharges, data: d.recharges.map(Number), borderColor: T.colors.amber, backgroundColor: T.colors.amber, pointRadius: 2 },
    ]},
    options: { aspectRatio: T.aspect(canvas, 3), scales: T.scales({ x: { stacked: true }, y: { stacked: true } }) },
  });
})();
