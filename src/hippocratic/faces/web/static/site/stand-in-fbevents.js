/* A stand-in for Meta's fbevents.js, served locally by the demo. Like the real pixel it holds
   every call while consent is revoked, sets _fbp (and _fbc after an ad click) once granted,
   sends advanced-matching data (ud[...]) when init is given any, and fires /tr pixels. */
(function (w, d) {
  var f = w.fbq;
  if (!f || f.standIn) return;
  var src = (d.currentScript && d.currentScript.src) || "", base = src.replace(/\/fbevents\.js.*$/, "");
  var ok = true, held = [], pixels = {};
  function read(n) { var m = d.cookie.match(new RegExp("(?:^|;\\s*)" + n + "=([^;]*)")); return m && m[1]; }
  function write(n, v) { d.cookie = n + "=" + v + "; path=/; max-age=" + 90 * 86400 + "; samesite=lax"; }
  function fire(ev, id) {
    var q = new URLSearchParams({ id: id, ev: ev, dl: w.location.href, rl: d.referrer, "if": "false", ts: String(Date.now()) });
    var ud = pixels[id];
    for (var k in ud) q.set("ud[" + k + "]", String(ud[k]));
    if (read("_fbp")) q.set("fbp", read("_fbp"));
    new Image().src = base + "/tr?" + q;
  }
  function run(a) {
    if (a[0] === "init") {
      pixels[a[1]] = a[2] || {};
      if (!read("_fbp")) write("_fbp", "fb.1." + Date.now() + "." + Math.floor(Math.random() * 1e9));
      var click = /[?&]fbclid=([^&]+)/.exec(w.location.search);
      if (click) write("_fbc", "fb.1." + Date.now() + "." + click[1]);
    } else if (a[0] === "track") {
      for (var id in pixels) fire(a[1], id);
    }
  }
  f.standIn = true;
  f.callMethod = function () {
    var a = [].slice.call(arguments);
    if (a[0] === "consent") { ok = a[1] !== "revoke"; if (ok) { held.splice(0).forEach(run); } return; }
    if (a[0] === "set") return;
    ok ? run(a) : held.push(a);
  };
  (f.queue || []).splice(0).forEach(function (a) { f.callMethod.apply(f, a); });
})(window, document);
