/* The demo site's Google Ads conversion linker (loaded only with advertising consent). */
window.gtag("config", "AW-000000001");
