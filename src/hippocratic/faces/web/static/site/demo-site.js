/* The demo site's own view of itself: which cookies the page can see, and what the banner has
   let through. Essential: it sets nothing and sends nothing. */
(function (w, d) {
  function show() {
    var out = d.getElementById("demo-state");
    if (!out) return;
    var c = w.hippocraticConsent;
    var cookies = d.cookie ? d.cookie.split(/;\s*/).map(function (p) { return p.split("=")[0]; }) : [];
    out.textContent = "Consented here: " + ((c && c.granted().join(", ")) || "nothing optional") +
      (c && c.sensitive ? " (a health-sensitive page: no analytics or advertising tag loads)" : "") +
      ". Cookies this page can see: " + (cookies.join(", ") || "none") + ".";
  }
  d.addEventListener("DOMContentLoaded", show);
  d.addEventListener("click", function () { w.setTimeout(show, 300); });
})(window, document);
