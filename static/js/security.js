// The security page: copy a secret shown once (recovery codes, a new API token) and download the recovery codes
// as a text file. No inline script (Content-Security-Policy): the buttons name their source with data-* attributes.
//   <button data-copy-from="ID">      copies the text of #ID (its data-copy-text when set)
//   <button data-download-from="ID" data-filename="x.txt">  saves that text as a file
(function () {
  function sourceText(id) {
    const el = document.getElementById(id);
    if (!el) return "";
    return el.dataset.copyText !== undefined ? el.dataset.copyText : el.textContent.trim();
  }

  function flash(button, attribute) {
    const label = button.getAttribute(attribute);
    if (!label) return;
    const original = button.dataset.originalLabel || button.textContent;
    button.dataset.originalLabel = original;
    button.textContent = label;
    window.setTimeout(() => { button.textContent = original; }, 2000);
  }

  document.addEventListener("click", (event) => {
    const copy = event.target.closest("[data-copy-from]");
    if (copy) {
      const text = sourceText(copy.getAttribute("data-copy-from"));
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(() => flash(copy, "data-done-label"),
                                                 () => flash(copy, "data-failed-label"));
      } else {
        flash(copy, "data-failed-label");
      }
      return;
    }
    const save = event.target.closest("[data-download-from]");
    if (save) {
      const text = sourceText(save.getAttribute("data-download-from")) + "\n";
      const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = save.getAttribute("data-filename") || "recovery-codes.txt";
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    }
  });
})();
