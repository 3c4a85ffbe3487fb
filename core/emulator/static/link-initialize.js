/* Finboard's offline look-alike of Plaid's link-initialize.js.
 *
 * Plaid.create({token, onSuccess, onExit, onEvent, onLoad, receivedRedirectUri}) returns {open, exit, destroy}.
 * Like Plaid's, it mounts a full-viewport iframe of Link (served by the emulator that served this script) and
 * talks to it with postMessage. OAuth banks navigate the top window to the link token's redirect_uri.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var ORIGIN = script && script.src ? new URL(script.src).origin : window.PLAID_EMULATOR_ORIGIN;
  var SOURCE = "plaid-emulator-link";
  var count = 0;

  function create(config) {
    if (!config || typeof config.token !== "string" || !config.token) {
      throw new Error("Plaid.create: a link token is required");
    }
    var id = ++count;
    var ready = false, wantOpen = false, destroyed = false, exitCallback = null;
    var params = new URLSearchParams({ token: config.token, parent_origin: window.location.origin });
    if (config.receivedRedirectUri) params.set("received_redirect_uri", config.receivedRedirectUri);

    var iframe = document.createElement("iframe");
    iframe.id = "plaid-link-iframe-" + id;
    iframe.title = "Plaid Link";
    iframe.src = ORIGIN + "/link/web/?" + params.toString();
    iframe.style.cssText = "position:fixed;inset:0;width:100%;height:100%;border:0;margin:0;padding:0;" +
      "z-index:2147483647;display:none;background:transparent;color-scheme:normal;";

    function send(type, extra) {
      var message = { source: SOURCE, type: type };
      for (var key in extra || {}) message[key] = extra[key];
      iframe.contentWindow.postMessage(message, ORIGIN);
    }
    function hide() { iframe.style.display = "none"; }
    function call(fn) {
      if (typeof fn !== "function") return;
      try { fn.apply(null, Array.prototype.slice.call(arguments, 1)); } catch (e) { setTimeout(function () { throw e; }); }
    }
    function show() { iframe.style.display = "block"; send("open"); }

    function onMessage(event) {
      if (event.origin !== ORIGIN || event.source !== iframe.contentWindow) return;
      var m = event.data;
      if (!m || m.source !== SOURCE) return;
      if (m.type === "ready") {
        ready = true;
        call(config.onLoad);
        if (wantOpen) show();
      } else if (m.type === "event") {
        call(config.onEvent, m.eventName, m.metadata);
      } else if (m.type === "success") {
        hide();
        call(config.onSuccess, m.publicToken, m.metadata);
      } else if (m.type === "exit") {
        hide();
        call(config.onExit, m.error || null, m.metadata);
        call(exitCallback);
        exitCallback = null;
      } else if (m.type === "redirect") {
        window.top.location.href = m.url; // OAuth: the bank's page, then back to redirect_uri
      }
    }
    window.addEventListener("message", onMessage);
    (document.body || document.documentElement).appendChild(iframe);

    return {
      open: function () {
        if (destroyed) return;
        wantOpen = true;
        if (ready) show();
      },
      exit: function (options, callback) {
        if (destroyed) return;
        exitCallback = typeof callback === "function" ? callback : null;
        if (ready && iframe.style.display !== "none") send("exit", { force: !!(options && options.force) });
        else call(exitCallback);
      },
      destroy: function () {
        destroyed = true;
        window.removeEventListener("message", onMessage);
        if (iframe.parentNode) iframe.parentNode.removeChild(iframe);
      },
    };
  }

  window.Plaid = { create: create, version: "finboard-emulator" };
})();
