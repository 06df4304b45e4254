/* Hippocratic cookie banner, generated from the clinic's policy. Nothing optional runs before
   the visitor chooses: the site marks optional tags up inert (data-consent="analytics" with
   data-src, scripts as type="text/plain") and this script activates only what was accepted. */
(function (w, d, C) {
  "use strict";
  if (w.hippocraticConsent) return;
  var N = navigator, L = w.location, W = C.words, me = d.currentScript, f0 = w.fetch;
  var root = (me && me.getAttribute("data-site-root")) || "";
  var clearUrl = (me && me.getAttribute("data-clear-url")) || C.endpoint + "/cookies/clear";
  var GATED = C.categories.filter(function (c) { return !c.required; }).map(function (c) { return c.key; });
  var GOOGLE = { analytics: ["analytics_storage"], advertising: ["ad_storage", "ad_user_data", "ad_personalization"], functional: ["functionality_storage", "personalization_storage"] };
  var FB_EVENTS = ["PageView", "Lead", "Contact", "Schedule"];
  var gpc = N.globalPrivacyControl === true || C.gpc === true;
  function touchy(p) {
    if (root && p.indexOf(root) === 0) p = p.slice(root.length) || "/";
    return C.sensitive.some(function (g) { return glob(g).test(p); });
  }
  var sensitive = touchy(L.pathname);
  var granted = [], vid = null, opener = null, banner, panel, settings, status;

  function glob(p) {
    return new RegExp("^" + p.split("*").map(function (s) { return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"); }).join(".*") + "$");
  }
  function has(list, x) { return list.indexOf(x) >= 0; }
  function allowed(c) { return has(granted, c) && !(sensitive && has(C.firewalled, c)); }

  /* Google Consent Mode v2: everything denied before any Google tag, updated on choice. */
  w.dataLayer = w.dataLayer || [];
  if (typeof w.gtag !== "function") w.gtag = function () { w.dataLayer.push(arguments); };
  function mode() {
    var m = {};
    Object.keys(GOOGLE).forEach(function (c) { GOOGLE[c].forEach(function (k) { m[k] = allowed(c) ? "granted" : "denied"; }); });
    return m;
  }
  var defaults = mode();
  defaults.wait_for_update = 500;
  w.gtag("consent", "default", defaults);
  w.gtag("set", "ads_data_redaction", true);
  w.gtag("set", "url_passthrough", false);

  /* Meta Pixel: consent revoked before init; no advanced matching, standard events only. */
  var fbq = w.fbq;
  if (!fbq) {
    fbq = w.fbq = function () {
      var a = [].slice.call(arguments);
      if (a[0] === "init") { call(["set", "autoConfig", false, String(a[1])]); a = ["init", String(a[1])]; }
      if (a[0] === "trackCustom" || (a[0] === "track" && !has(FB_EVENTS, a[1]))) return;
      if (a[0] === "track") a = ["track", a[1]];
      call(a);
    };
    var call = function (a) { fbq.callMethod ? fbq.callMethod.apply(fbq, a) : fbq.queue.push(a); };
    if (!w._fbq) w._fbq = fbq;
    fbq.push = fbq; fbq.loaded = true; fbq.version = "2.0"; fbq.queue = [];
  }
  fbq("consent", "revoke");

  /* The tag firewall and hit scrubber: a request to a vendor is dropped unless its categories
     are consented here, and otherwise leaves with no query string in its URLs, no personal
     data and no health terms (S0-96, S0-97, S0-98). */
  var URLISH = /^(dl|dr|dp|rl|url|ref|page_location|page_referrer|page_path)$/;
  var PII = /^(em|ph|fn|ln|ge|db|ct|st|zp|country|external_id|uid|user_id|ud\[.*\]|udff\[.*\])$/;
  var EMAIL = /[^\s@=&]+@[^\s@=&]+\.[a-z]{2,}/i, GONE = "(redacted)";
  function tidy(v) { try { var u = new URL(v, L.href); return u.origin + u.pathname; } catch (e) { return ""; } }
  function redact(k, v) {
    if (URLISH.test(k) && v && v !== GONE) { v = tidy(v); if (touchy(v.replace(/^\w+:\/\/[^/]*/, ""))) return GONE; }
    if (PII.test(k) || EMAIL.test(v)) return null;
    var low = v.toLowerCase();
    for (var i = 0; i < C.terms.length; i++) if (has(low, C.terms[i])) return GONE;
    return v;
  }
  function vendorOf(u) {
    for (var i = 0; i < C.vendors.length; i++) {
      var v = C.vendors[i];
      if (v.hosts.some(function (h) { return u.hostname === h || u.hostname.slice(-h.length - 1) === "." + h; })) return v;
      if (v.paths.some(function (p) { return u.href.indexOf(p) === 0; })) return v;
    }
    return null;
  }
  function params(q) {
    var out = new URLSearchParams();
    new URLSearchParams(q).forEach(function (val, k) { var r = redact(k, val); if (r !== null) out.append(k, r); });
    return out.toString();
  }
  function check(raw) {
    var u;
    try { u = new URL(raw, L.href); } catch (e) { return { s: raw }; }
    var v = vendorOf(u);
    if (!v) return { s: raw };
    if (!v.categories.every(allowed)) return null;
    u.search = params(u.search); u.hash = "";
    return { s: u.href, v: v };
  }
  function scrub(raw) { var r = check(raw); return r && r.s; }
  function body(b) { return b == null || b === "" ? b : typeof b === "string" ? b.split("\n").map(params).join("\n") : null; }
  function blocked(u, b) { var r = check(String(u)); return r && [r.s, r.v ? body(b) : b]; }
  if (N.sendBeacon) {
    var sb = N.sendBeacon;
    N.sendBeacon = function (u, b) { var r = blocked(u, b); return r && r[1] !== null ? sb.call(N, r[0], r[1]) : true; };
  }
  if (f0) w.fetch = function (i, o) {
    if (typeof i !== "string" && !(i instanceof URL)) return (i && i.url && scrub(i.url) === null) ? Promise.reject(new TypeError("cookie choices")) : f0.apply(w, arguments);
    var r = blocked(i, o && o.body);
    if (!r || r[1] === null) return Promise.reject(new TypeError("cookie choices"));
    if (o && o.body) { o = Object.assign({}, o); o.body = r[1]; }
    return f0.call(w, r[0], o);
  };
  var X = XMLHttpRequest.prototype, xo = X.open, xs = X.send;
  X.open = function (m, u) { var a = [].slice.call(arguments), s = scrub(String(u)); this.hcBlocked = s === null; a[1] = s || u; return xo.apply(this, a); };
  X.send = function (b) { if (this.hcBlocked) return; return xs.call(this, b); };
  [w.HTMLImageElement, w.HTMLScriptElement, w.HTMLIFrameElement].forEach(function (K) {
    var desc = K && Object.getOwnPropertyDescriptor(K.prototype, "src");
    if (!desc || !desc.set) return;
    Object.defineProperty(K.prototype, "src", { configurable: true, enumerable: desc.enumerable, get: desc.get, set: function (v) { var s = scrub(String(v)); if (s !== null) desc.set.call(this, s); } });
  });
  var sa = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (n, v) {
    if (String(n).toLowerCase() === "src" && /^(IMG|SCRIPT|IFRAME)$/.test(this.tagName)) { v = scrub(String(v)); if (v === null) return; }
    return sa.call(this, n, v);
  };

  /* Cookies: the banner sets only the essential consent cookie, and deletes the rest. */
  function categoryOf(name) {
    for (var i = 0; i < C.cookies.length; i++) if (glob(C.cookies[i][0]).test(name)) return C.cookies[i][1];
    return null;
  }
  function purge() {
    var h = L.hostname, parts = h.split("."), domains = [""];
    if (!/^[\d.]+$/.test(h) && h !== "localhost") for (var i = 0; i < parts.length - 1; i++) domains.push("; domain=" + parts.slice(i).join("."));
    (d.cookie ? d.cookie.split(/;\s*/) : []).forEach(function (pair) {
      var name = pair.split("=")[0], c = categoryOf(name);
      if (c && has(GATED, c) && !has(granted, c)) domains.forEach(function (dm) { d.cookie = name + "=; max-age=0; path=/" + dm; });
    });
  }
  function readChoice() {
    var m = d.cookie.match(new RegExp("(?:^|;\\s*)" + C.cookie + "=([^;]*)")), p = m ? m[1].split("|") : [];
    if (p.length !== 7 || p[0] !== "1" || !/^[0-9a-f]{32}$/.test(p[1])) return;
    vid = p[1];
    var t = new Date(+p[6] * 1000), r = C.reconsent;
    t.setUTCFullYear(t.getUTCFullYear() + r[0], t.getUTCMonth() + r[1], t.getUTCDate() + r[2]);
    var ok = p[3] === C.banner && p[4] === C.sha.slice(0, 12) && decodeURIComponent(p[5]) === C.notice && t.getTime() > Date.now();
    return ok ? p[2].split(".").filter(function (c) { return has(GATED, c); }) : undefined;
  }
  function newId() {
    var b = new Uint8Array(16), s = "";
    w.crypto.getRandomValues(b);
    for (var i = 0; i < 16; i++) s += (b[i] + 256).toString(16).slice(1);
    return s;
  }

  /* Activation: the one gate for scripts, iframes and pixels. */
  function activate() {
    [].forEach.call(d.querySelectorAll("[data-consent-placeholder]"), function (el) {
      el.hidden = el.getAttribute("data-consent-placeholder").split(/\s+/).every(allowed);
    });
    [].forEach.call(d.querySelectorAll("[data-consent]"), function (el) {
      if (el.hasAttribute("data-consent-on") || !el.getAttribute("data-consent").split(/\s+/).every(allowed)) return;
      el.setAttribute("data-consent-on", "");
      var src = el.getAttribute("data-src");
      if (el.tagName === "SCRIPT") {
        var s = d.createElement("script");
        [].forEach.call(el.attributes, function (a) { if (!/^(type|src|data-consent|data-consent-on|data-src)$/.test(a.name)) s.setAttribute(a.name, a.value); });
        s.async = el.hasAttribute("async");
        if (el.nonce) s.nonce = el.nonce;
        if (src) s.src = src; else s.text = el.text;
        el.parentNode.insertBefore(s, el.nextSibling);
      } else if (src) el.src = src;
    });
  }
  function apply() {
    w.gtag("consent", "update", mode());
    fbq("consent", allowed("advertising") ? "grant" : "revoke");
    w.gtag("set", { page_location: redact("dl", L.href) || "", page_referrer: redact("dr", d.referrer) || "", page_title: redact("dt", d.title) || "" });
    purge();
    activate();
  }

  function choose(action, cats) {
    cats = GATED.filter(function (c) { return has(cats, c); });
    var dropped = granted.filter(function (c) { return !has(cats, c); });
    if (dropped.length) action = "withdraw";
    vid = vid || newId();
    d.cookie = C.cookie + "=" + ["1", vid, cats.join("."), C.banner, C.sha.slice(0, 12), encodeURIComponent(C.notice), Math.floor(Date.now() / 1000)].join("|") +
      "; path=/; max-age=" + C.maxAge + "; samesite=lax" + (L.protocol === "https:" ? "; secure" : "");
    var receipt = { visitor: vid, action: action, categories: cats, banner_version: C.banner, banner_sha256: C.sha, notice_version: C.notice, gpc: gpc };
    var sent = send(C.endpoint + "/receipts", receipt, "omit");
    granted = cats;
    apply();
    close(banner);
    if (panel.open) panel.close();
    settings.focus();
    status.textContent = W.saved;
    if (dropped.length) {
      var done = function () { L.reload(); };
      Promise.all([sent, send(clearUrl, { categories: cats }, "include")]).then(done, done);
    }
    return sent;
  }
  function send(url, data, creds) {
    return f0 ? f0.call(w, url, { method: "POST", body: JSON.stringify(data), keepalive: true, credentials: creds, headers: { "content-type": "text/plain" } }).catch(function () {}) : Promise.resolve();
  }

  /* The banner, the preferences panel and the persistent "Cookie settings" button. */
  function el(tag, attrs, kids) {
    var e = d.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { k === "text" ? (e.textContent = attrs[k]) : e.setAttribute(k, attrs[k]); });
    (kids || []).forEach(function (k) { if (k) e.appendChild(k); });
    return e;
  }
  function buttons(keys) {
    return el("div", { "class": "hc-actions" }, keys.map(function (k) { return el("button", { type: "button", "class": "hc-btn", "data-consent-action": k, text: W[k] }); }));
  }
  function close(e) { if (e) e.hidden = true; }
  function checked() { return GATED.filter(function (c) { var box = d.getElementById("hc-c-" + c); return box && box.checked; }); }
  function open(from) {
    opener = from || d.activeElement;
    GATED.forEach(function (c) { d.getElementById("hc-c-" + c).checked = has(granted, c); });
    panel.showModal();
    var first = panel.querySelector("input:not([disabled])");
    (first || panel.querySelector("h2")).focus();
  }
  function category(c) {
    var id = "hc-c-" + c.key, links = [];
    C.vendors.forEach(function (v) {
      if (!has(v.categories, c.key)) return;
      links.push(el("li", {}, [d.createTextNode(v.name + " "), v.privacy && el("a", { href: v.privacy, text: W.vendor_privacy }), v.opt_out && d.createTextNode(" · "), v.opt_out && el("a", { href: v.opt_out, text: W.opt_out })]));
    });
    return el("div", { "class": "hc-cat" }, [
      el("div", { "class": "hc-check" }, [
        el("input", c.required ? { type: "checkbox", id: id, checked: "", disabled: "", "aria-describedby": id + "-d" } : { type: "checkbox", id: id, "aria-describedby": id + "-d" }),
        el("label", { "for": id, text: c.title + (c.required ? " (" + W.always + ")" : "") })
      ]),
      el("p", { id: id + "-d", text: c.description + (c.cookies.length ? " " + W.cookies + " " + c.cookies.join(", ") + "." : "") }),
      links.length ? el("ul", { "aria-label": W.by + " " + c.title }, links) : null
    ]);
  }
  function build() {
    var note = function () { return gpc ? el("p", { "class": "hc-gpc", text: W.gpc }) : null; };
    var privacy = function () { return el("p", {}, [el("a", { href: C.privacy, text: W.privacy })]); };
    banner = el("div", { id: "hc-banner", "class": "hc hc-banner", role: "region", "aria-labelledby": "hc-title" }, [
      el("h2", { id: "hc-title", text: W.title }), el("p", { text: W.intro }), el("p", { text: W.promise }), note(),
      buttons(["accept", "reject", "manage"]), privacy()
    ]);
    panel = el("dialog", { id: "hc-prefs", "class": "hc hc-panel", "aria-labelledby": "hc-prefs-title" }, [
      el("h2", { id: "hc-prefs-title", tabindex: "-1", text: W.panel }), note(),
      el("div", {}, C.categories.map(category)), buttons(["accept", "reject", "save"]),
      el("p", {}, [el("button", { type: "button", "class": "hc-close", "data-consent-action": "close", text: W.close })]), privacy()
    ]);
    settings = el("button", { type: "button", id: "hc-settings", "class": "hc-settings", "data-consent-settings": "", text: W.settings });
    status = el("p", { role: "status", "class": "hc-status" });
    d.head.appendChild(el("link", { rel: "stylesheet", href: C.css }));
    d.body.insertBefore(banner, d.body.firstChild);
    d.body.appendChild(panel); d.body.appendChild(settings); d.body.appendChild(status);
    banner.hidden = stored !== undefined;
    panel.addEventListener("close", function () { var back = opener && d.contains(opener) && !opener.closest("[hidden]") ? opener : settings; back.focus(); });
    d.addEventListener("click", function (e) {
      var t = e.target.closest && e.target.closest("[data-consent-action],[data-consent-settings]");
      if (!t) return;
      var a = t.getAttribute("data-consent-action");
      if (!a) { e.preventDefault(); open(t); return; }
      var all = GATED.filter(function (c) { return !(gpc && c === "advertising"); });
      if (a === "accept") choose("accept_all", all);
      else if (a === "reject") choose("reject_all", []);
      else if (a === "save") choose("choose", checked());
      else if (a === "manage") open(t);
      else if (a === "close") panel.close();
    });
  }

  var stored = readChoice();
  granted = stored || [];
  w.hippocraticConsent = { open: function () { open(); }, granted: function () { return GATED.filter(allowed); }, sensitive: sensitive, choose: choose };
  function start() { build(); apply(); }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start); else start();
})(window, document, /*CONFIG*/null);
