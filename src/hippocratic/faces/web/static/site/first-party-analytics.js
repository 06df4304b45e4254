/* The demo's stand-in for a clinic's own analytics (loaded only with analytics consent): it
   sets the first-party analytics cookie its script tag names and reports the page view (path
   and referring page, without query strings) to the clinic's own store, which keeps it only with
   analytics consent and as the policy allows. */
(function (d) {
  var me = d.currentScript, name = me && me.getAttribute("data-cookie");
  if (!name) return;
  if (d.cookie.indexOf(name + "=") < 0) d.cookie = name + "=" + Math.floor(Math.random() * 1e12) + "; path=/; max-age=" + 395 * 86400 + "; samesite=lax";
  var page = me.getAttribute("data-path") || location.pathname;
  var body = JSON.stringify({ path: page, referrer: d.referrer.split("?")[0].split("#")[0] });
  navigator.sendBeacon(me.getAttribute("data-hit"), new Blob([body], { type: "text/plain" }));
})(document);
