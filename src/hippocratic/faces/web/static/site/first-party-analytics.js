/* The demo's stand-in for a clinic's own analytics (loaded only with analytics consent): it
   sets the first-party analytics cookie its script tag names and counts the page view. */
(function (d) {
  var me = d.currentScript, name = me && me.getAttribute("data-cookie");
  if (!name) return;
  if (d.cookie.indexOf(name + "=") < 0) d.cookie = name + "=" + Math.floor(Math.random() * 1e12) + "; path=/; max-age=" + 395 * 86400 + "; samesite=lax";
  navigator.sendBeacon(me.getAttribute("data-hit"), "");
})(document);
