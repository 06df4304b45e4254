/* The demo site's Meta Pixel (loaded only with advertising consent): no advanced matching. */
window.fbq("init", "000000000000001");
window.fbq("track", "PageView");
