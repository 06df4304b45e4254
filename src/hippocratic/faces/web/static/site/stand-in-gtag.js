/* A stand-in for Google's gtag.js, served locally by the demo. Like the real tag it reads the
   dataLayer, honours Consent Mode (no cookie while analytics_storage or ad_storage is denied,
   a cookieless ping instead of a hit) and sends hits to its collect endpoint. */
(function (w, d) {
  var dl = w.dataLayer = w.dataLayer || [], state = {}, set = {}, ids = [], sent = {};
  var src = (d.currentScript && d.currentScript.src) || "", base = src.replace(/\/gtag\/js.*$/, "");
  function read(n) { var m = d.cookie.match(new RegExp("(?:^|;\\s*)" + n + "=([^;]*)")); return m && m[1]; }
  function write(n, v, days) { d.cookie = n + "=" + v + "; path=/; max-age=" + days * 86400 + "; samesite=lax"; }
  function now() { return Math.floor(Date.now() / 1000); }
  function rand() { return Math.floor(Math.random() * 1e9); }
  function on(k) { return state[k] === "granted"; }
  function hit(id) {
    var q = new URLSearchParams({ v: "2", tid: id, en: "page_view", gcs: "G1" + (on("ad_storage") ? 1 : 0) + (on("analytics_storage") ? 1 : 0) });
    q.set("dl", set.page_location || w.location.href);
    q.set("dr", set.page_referrer !== undefined ? set.page_referrer : d.referrer);
    q.set("dt", set.page_title || d.title);
    if (/^AW-/.test(id)) {
      if (!on("ad_storage")) return;
      if (!read("_gcl_au")) write("_gcl_au", "1.1." + rand() + "." + now(), 90);
      new Image().src = base + "/pagead/viewthroughconversion?" + q;
      return;
    }
    if (on("analytics_storage")) {
      var cid = read("_ga");
      if (!cid) { cid = "GA1.1." + rand() + "." + now(); write("_ga", cid, 730); }
      write("_ga_" + id.replace(/^G-/, ""), "GS1.1." + now() + ".1.0." + now() + ".0.0.0", 730);
      q.set("cid", cid.split(".").slice(2).join("."));
      sent[id] = true;
    }
    navigator.sendBeacon(base + "/g/collect?" + q, "");
  }
  function handle(a) {
    if (!a || !a.length) return;
    if (a[0] === "consent") {
      for (var k in a[2]) state[k] = a[2][k];
      if (a[1] === "update") ids.forEach(function (id) { if (!sent[id] && (on("analytics_storage") || /^AW-/.test(id))) hit(id); });
    } else if (a[0] === "set" && typeof a[1] === "object") { for (var s in a[1]) set[s] = a[1][s]; }
    else if (a[0] === "config") { ids.push(a[1]); hit(a[1]); }
  }
  dl.forEach(handle);
  var push = dl.push;
  dl.push = function (a) { handle(a); return push.apply(dl, arguments); };
})(window, document);
