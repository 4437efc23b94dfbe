// One look for every chart (docs/UI.md "Charts"): no animation, the page's font, the brand palette, compact y-axis figures in
// the page's language, at most seven unrotated x labels, and more height on a phone. Loaded right after the
// vendored Chart.js and before a page's chart script, which takes its colours from FeeChart.colors.
window.FeeChart = (function () {
  if (typeof Chart === "undefined") { return null; }
  const lang = document.documentElement.getAttribute("lang") || "en";
  const compact = new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1});
  const colors = {
    primary: "#4f46e5",   // indigo, the brand
    primarySoft: "#a5b4fc",
    teal: "#0d9488",
    amber: "#d97706",
    rose: "#e11d48",
    slate: "#64748b",
    grid: "#eef0f4",
    ink: "#475569",
  };
  const series = [colors.primary, colors.teal, colors.amber, colors.slate, colors.primarySoft, "#0ea5e9", "#a16207", "#94a3b8"];
  const d = Chart.defaults;
  d.font.family = getComputedStyle(document.body).fontFamily;
  d.font.size = 12;
  d.color = colors.ink;
  d.borderColor = colors.grid;
  d.maintainAspectRatio = true;
  d.plugins.legend.labels.boxWidth = 12;
  d.plugins.legend.labels.boxHeight = 12;
  d.plugins.tooltip.titleFont = {weight: "600"};
  d.datasets.bar.borderRadius = 2;
  d.datasets.bar.maxBarThickness = 28;
  d.datasets.line.borderWidth = 2;
  d.elements.point.radius = 0;
  // No growing bars: a figure is drawn at its value from the first frame (a screenshot or a glance during an
  // animation would read a bar short of the table beside it).
  d.animation = false;

  // Options every chart shares; a chart's own scales are merged over them.
  function scales(own) {
    const x = Object.assign({grid: {display: false}, ticks: {maxRotation: 0, autoSkip: true, autoSkipPadding: 12, maxTicksLimit: 7}}, own && own.x);
    const y = Object.assign({beginAtZero: true, ticks: {maxTicksLimit: 6, callback: function (v) { return compact.format(v); }}}, own && own.y);
    return {x: x, y: y};
  }
  // A phone (under 576 px) gets a chart at least 220 px high: the aspect ratio follows the box's width.
  function aspect(canvas, wide) {
    const box = canvas.parentElement;
    const w = box ? box.clientWidth : window.innerWidth;
    return window.innerWidth < 576 ? Math.max(1, w / 220) : wide;
  }
  return {colors: colors, series: series, scales: scales, aspect: aspect};
})();
