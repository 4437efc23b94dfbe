// The purchase wizard's workspaces step: ticking a workspace gives it the next free position, unticking
// clears its position, and the order summary lists the ticked workspaces in position order. Without
// JavaScript the server orders them the same way (blank positions after the numbered ones).
(function () {
  "use strict";
  var form = document.querySelector("form[data-wizard-positions]");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name=workspace]"));
  function input(box) { return form.querySelector("input[data-position-for='" + box.id + "']"); }
  function number(el) { var n = el ? parseInt(el.value, 10) : NaN; return isNaN(n) ? null : n; }
  function refreshSummary() {
    var target = document.getElementById("summary-workspaces");
    if (!target) { return; }
    var ticked = boxes.filter(function (b) { return b.checked && !b.disabled; }).map(function (b, i) {
      var n = number(input(b));
      return { name: b.getAttribute("data-name"), rank: n === null ? 1e6 + i : n };
    }).sort(function (a, b) { return a.rank - b.rank; });
    target.textContent = ticked.length ? ticked.map(function (t, i) { return (i + 1) + ". " + t.name; }).join(", ")
      : target.getAttribute("data-none");
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var el = input(box);
      if (!el) { return; }
      if (box.checked && !el.value.trim()) {
        var taken = boxes.filter(function (b) { return b !== box && b.checked; })
          .map(function (b) { return number(input(b)); }).filter(function (n) { return n !== null; });
        el.value = String(taken.length ? Math.max.apply(null, taken) + 1 : 1);
      } else if (!box.checked) {
        el.value = "";
      }
      refreshSummary();
    });
    var el = input(box);
    if (el) { el.addEventListener("input", refreshSummary); }
  });
  refreshSummary();
})();
