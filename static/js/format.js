// The browser's twin of core/formatting.py: the same look for money and numbers, and the same reading of what a
// person types (core.money.parse_page_amount). The locale comes from <html lang> (en or zh-hans); both write
// ¥1,000.00 with comma thousands, so the output is the same, but the locale is read here so a future language
// with other separators changes one place.
window.FeeFormat = (function () {
  const lang = (document.documentElement.getAttribute("lang") || "zh-hans").toLowerCase();
  const locale = lang.startsWith("zh") ? "zh-CN" : "en-US";
  const grouped = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: true });
  const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 4, useGrouping: true });

  // Cents (an integer) -> "¥1,000.00", negative "-¥12.50".
  function moneyCents(cents) {
    const sign = cents < 0 ? "-" : "";
    return sign + "¥" + grouped.format(Math.abs(cents) / 100);
  }

  // What a person typed -> cents, or null when it is not an amount. Same rules as the server: currency signs
  // and spaces dropped, thousands separators only in groups of three, at most two places.
  function parseCents(raw) {
    let text = String(raw == null ? "" : raw).trim();
    for (let i = 0; i < 2; i += 1) {
      text = text.replace(/^(?:[¥￥]|CNY|RMB)\s*/i, "").replace(/\s*(?:元|CNY|RMB)$/i, "").trim();
    }
    if (text === "") return 0;
    const groups = /^([0-9]{1,3}(?:[,，\s\u00a0\u2009\u202f][0-9]{3})+)((?:\.[0-9]*)?)$/.exec(text);
    if (groups) text = groups[1].replace(/[,，\s\u00a0\u2009\u202f]/g, "") + groups[2];
    const m = /^([0-9]*)(?:\.([0-9]{0,2}))?$/.exec(text);
    if (!m || (m[1] === "" && !m[2])) return null;
    return Number(m[1] || "0") * 100 + Number(((m[2] || "") + "00").slice(0, 2));
  }

  return { locale, moneyCents, parseCents, number: (n) => whole.format(n) };
})();
