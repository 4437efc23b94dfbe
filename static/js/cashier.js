// The cashier (orders/pay.html): shows what is left to allocate after vouchers, cards and cash.
(function () {
  const form = document.getElementById("cashier");
  if (!form) return;
  const cents = (v) => { const n = Number(String(v || "").replace(/,/g, "")); return isFinite(n) ? Math.round(n * 100) : 0; };
  const total = cents(form.dataset.total);
  const cash = document.getElementById("cash");
  const out = document.getElementById("remaining");
  function update() {
    let used = 0;
    form.querySelectorAll("input.tender").forEach((i) => { used += cents(i.value); });
    const rest = total - used;
    const typedCash = cash.value.trim() ? cents(cash.value) : Math.max(rest, 0);
    const remaining = rest - typedCash;
    cash.placeholder = (Math.max(rest, 0) / 100).toFixed(2);
    out.textContent = "¥" + (remaining / 100).toFixed(2);
  }
  form.addEventListener("input", update);
  update();
})();
