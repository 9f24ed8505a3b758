/*! Guichet widget loader: adds a launcher in a shadow root; loads the WASM app on intent. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__guichet) return;
  window.__guichet = 1;
  var data = script.dataset;
  var base = new URL("./", script.src).href;
  var lang = (data.lang || document.documentElement.lang || navigator.language || "fr").slice(0, 2).toLowerCase();
  lang = lang === "en" ? "en" : "fr";
  var label = data.label || (lang === "en" ? "Contact us" : "Nous contacter");
  var loading, widget;

  // The WASM app and its glue, fetched once, on the first sign of intent.
  function load() {
    return loading || (loading = import(base + "widget/guichet_widget.js").then(function (m) {
      return m.default({ module_or_path: base + "widget/guichet_widget_bg.wasm" }).then(function () { return m; });
    }));
  }

  function start() {
    // A custom element name: the page's `div { … }` rules cannot match the host.
    var host = document.createElement("guichet-widget");
    var root = host.attachShadow({ mode: "open" });
    root.innerHTML =
      "<style>:host{all:initial}.launcher{position:fixed;z-index:2147483000;bottom:1rem;right:1rem;" +
      "margin:0;padding:.75rem 1.25rem;border:0;border-radius:2rem;background:#000091;color:#fff;" +
      "font:500 1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;cursor:pointer;" +
      "box-shadow:0 .25rem .75rem rgba(0,0,0,.3)}.launcher:hover{background:#1212ff}" +
      ".launcher:focus-visible{outline:3px solid #0a76f6;outline-offset:3px}</style>" +
      '<button type="button" class="launcher" aria-haspopup="dialog"></button><div></div>';
    var button = root.querySelector(".launcher");
    button.textContent = label;
    button.lang = lang;
    button.addEventListener("click", function () {
      load().then(function (m) {
        widget = widget || m.mount(root.lastChild, button, data.site, lang, base);
        widget.open();
      }, function (e) {
        loading = null;
        console.error("Guichet: the widget could not be loaded", e);
      });
    });
    ["pointerenter", "focus", "touchstart"].forEach(function (type) {
      button.addEventListener(type, function () { load().catch(function () { loading = null; }); }, { once: true, passive: true });
    });
    document.body.appendChild(host);
    // Otherwise, once the page has long finished loading and the browser has nothing to do.
    if (window.requestIdleCallback) {
      var idle = function () {
        setTimeout(function () { requestIdleCallback(function () { load().catch(function () { loading = null; }); }); }, 5000);
      };
      if (document.readyState === "complete") idle();
      else window.addEventListener("load", idle);
    }
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
