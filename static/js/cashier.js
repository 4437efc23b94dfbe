// The cashier (orders/pay.html): what is left to allocate after vouchers, cards and cash, and the shortfall when
// the cash balance does not cover the cash part. The Pay button stays disabled until the allocation covers the
// total exactly (the server refuses it anyway). The Recharge link and "pay the rest online" carry the current
// allocation back to this page (query string). Figures through FeeFormat (static/js/format.js).
(function () {
  const form = document.getElementById("cashier");
  if (!form || !window.FeeFormat) return;
  const F = window.FeeFormat;
  const total = F.parseCents(form.dataset.total) || 0;
  const balance = F.parseCents(form.dataset.cashBalance) || 0;
  const cash = document.getElementById("cash");
  const remainingOut = document.getElementById("remaining");
  const payButton = document.getElementById("pay-button");
  const note = document.getElementById("allocation-note");
  const box = document.getElementById("shortfall-box");
  const shortOut = document.getElementById("shortfall");
  const recharge = document.getElementById("recharge-link");
  const onlineAmount = document.getElementById("pay-rest-online-amount");
  const onlineNext = document.getElementById("pay-rest-online-next");
  const text = (key) => form.dataset[key] || "";

  function allocationQuery() {
    const params = new URLSearchParams();
    form.querySelectorAll("input.tender, #cash").forEach((input) => {
      if (input.value.trim()) params.set(input.name, input.value.trim());
    });
    const query = params.toString();
    return form.dataset.cashierUrl + (query ? "?" + query : "");
  }

  function update() {
    let others = 0;
    let invalid = false;
    form.querySelectorAll("input.tender").forEach((input) => {
      const value = F.parseCents(input.value);
      const max = F.parseCents(input.dataset.max);
      const bad = value === null || (max !== null && value > max);
      input.classList.toggle("is-invalid", bad && input.value.trim() !== "");
      invalid = invalid || bad;
      others += value || 0;
    });
    const rest = total - others;
    const typed = cash.value.trim() ? F.parseCents(cash.value) : null;
    if (cash.value.trim() && typed === null) invalid = true;
    const cashPart = typed === null ? Math.max(rest, 0) : typed;
    const covered = Math.min(cashPart, balance);
    const shortfall = Math.max(cashPart - balance, 0);
    const remaining = rest - covered;
    cash.placeholder = F.moneyCents(Math.max(rest, 0));
    remainingOut.textContent = F.moneyCents(remaining);
    if (payButton) payButton.disabled = invalid || remaining !== 0;
    if (note) {
      note.textContent = remaining < 0 ? text("overText").replace("{amount}", F.moneyCents(-remaining))
        : (invalid ? text("invalidText") : "");
    }
    if (box) box.classList.toggle("d-none", shortfall <= 0);
    if (shortOut) shortOut.textContent = F.moneyCents(shortfall);
    const back = allocationQuery();
    if (recharge) {
      const params = new URLSearchParams({ next: back });
      if (shortfall > 0) params.set("amount", (shortfall / 100).toFixed(2));
      recharge.href = form.dataset.rechargeUrl + "?" + params.toString();
    }
    if (onlineAmount) onlineAmount.value = (shortfall / 100).toFixed(2);
    if (onlineNext) onlineNext.value = back;
    // The confirmation dialog states the split it is about to charge (each tender and its amount).
    if (form.dataset.confirmBase) {
      const parts = [];
      form.querySelectorAll("input.tender").forEach((input) => {
        const value = F.parseCents(input.value);
        if (value) parts.push(input.dataset.label + " " + F.moneyCents(value));
      });
      if (cashPart > 0) parts.push(cash.dataset.label + " " + F.moneyCents(cashPart));
      form.setAttribute("data-confirm", form.dataset.confirmBase
        + (parts.length ? " " + text("splitText") + " " + parts.join("; ") : ""));
    }
  }

  form.addEventListener("input", update);
  update();
})();
