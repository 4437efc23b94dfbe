// Site-wide behaviour. No inline script or event-handler attribute anywhere (Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  // Marks the sidebar entry of the current page.
  const here = window.location.pathname;
  let best = null;
  document.querySelectorAll(".sidebar-nav a[href]").forEach((link) => {
    const path = new URL(link.href, window.location.origin).pathname;
    if (here.startsWith(path) && (!best || path.length > best.path.length)) best = { link, path };
  });
  if (best) best.link.setAttribute("aria-current", "page");
  // Tabs inside a page (the wallet's): the exact page is current.
  document.querySelectorAll(".subnav a[href]").forEach((link) => {
    if (new URL(link.href, window.location.origin).pathname === here) {
      link.setAttribute("aria-current", "page");
      link.classList.add("active");
    }
  });
});

// <select data-autosubmit>: submits its form when the choice changes (language switcher, list filters).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});

// Irreversible actions: a form (or its submit button) with data-confirm="question" asks first, in the Bootstrap
// modal of base.html (#confirm-modal). data-confirm-button names the confirming button ("Pay ¥1,000.00").
// Keyboard: the modal takes the focus on the confirming button; Enter confirms, Escape goes back, and the focus
// returns to the button that asked. Without JavaScript the form submits as before (the server still checks).
(function () {
  let pending = null;  // {form, submitter}

  function question(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) return submitter;
    if (form.hasAttribute("data-confirm")) return form;
    return null;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.confirmed === "1") { delete form.dataset.confirmed; return; }
    const submitter = event.submitter || null;
    const source = question(form, submitter);
    if (!source) return;
    const modalEl = document.getElementById("confirm-modal");
    if (!modalEl || typeof bootstrap === "undefined") {
      if (!window.confirm(source.getAttribute("data-confirm"))) event.preventDefault();
      return;
    }
    event.preventDefault();
    pending = { form, submitter };
    document.getElementById("confirm-modal-message").textContent = source.getAttribute("data-confirm");
    const ok = document.getElementById("confirm-modal-ok");
    ok.textContent = source.getAttribute("data-confirm-button") || ok.dataset.defaultLabel;
    ok.className = "btn " + (source.getAttribute("data-confirm-style") === "danger" ? "btn-danger" : "btn-primary");
    bootstrap.Modal.getOrCreateInstance(modalEl).show(submitter || undefined);
  }, true);

  document.addEventListener("DOMContentLoaded", () => {
    const modalEl = document.getElementById("confirm-modal");
    if (!modalEl) return;
    const ok = document.getElementById("confirm-modal-ok");
    modalEl.addEventListener("shown.bs.modal", () => ok.focus());
    modalEl.addEventListener("hidden.bs.modal", () => {
      if (pending && pending.submitter) pending.submitter.focus();
      pending = null;
    });
    ok.addEventListener("click", () => {
      if (!pending) return;
      const { form, submitter } = pending;
      pending = null;
      bootstrap.Modal.getOrCreateInstance(modalEl).hide();
      form.dataset.confirmed = "1";
      if (submitter) submitter.disabled = false;
      form.requestSubmit(submitter || undefined);
    });
  });
})();
