/* The demo site's Google Analytics configuration (loaded only with analytics consent). */
window.gtag("js", new Date());
window.gtag("config", "G-DEMO0001");
