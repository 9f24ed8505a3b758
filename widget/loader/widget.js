/*! Guichet widget loader: a launcher and inline forms in shadow roots; the WASM app on intent. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.Guichet) return;
  var data = script.dataset;
  var base = new URL("./", script.src).href;
  var lang = (data.lang || document.documentElement.lang || navigator.language || "fr").slice(0, 2).toLowerCase();
  lang = lang === "en" ? "en" : "fr";
  var loading, launcher, pending = {};
  var forms = [];

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent("guichet:" + name, { detail: detail }));
  }

  // The WASM app and its glue, fetched once, on the first sign of intent. The build writes
  // their hashes here, so that the tag's `integrity` pins the whole widget.
  var GLUE_SRI = "__GLUE_SRI__", WASM_SRI = "__WASM_SRI__";
  function load() {
    if (loading) return loading;
    var glue = base + "widget/guichet_widget.js", wasm = base + "widget/guichet_widget_bg.wasm";
    var checked = GLUE_SRI.indexOf("sha") === 0;
    if (checked) {
      // A module preloaded with its integrity is the one import() then uses.
      var link = document.createElement("link");
      link.rel = "modulepreload";
      link.href = glue;
      link.integrity = GLUE_SRI;
      link.crossOrigin = "anonymous";
      document.head.appendChild(link);
    }
    return (loading = import(glue).then(function (m) {
      var module = checked ? fetch(wasm, { integrity: WASM_SRI }) : wasm;
      return m.default({ module_or_path: module }).then(function () { return m; });
    }, function (e) {
      loading = null;
      throw e;
    }));
  }
  function quietly() { load().catch(function () {}); }

  // A shadow root on `host`, styled from the page: its font, and the colour the tag asks for.
  function shadow(host) {
    var root = host.attachShadow({ mode: "open" });
    host.style.setProperty("--guichet-font", getComputedStyle(document.body).fontFamily);
    if (data.color) host.style.setProperty("--guichet-primary", data.color);
    return root;
  }

  function mount(m, root, button, topic) {
    var w = m.mount(root, button, data.site, lang, base, topic || data.topic || "");
    w.prefill(pending.name || "", pending.email || "", pending.phone || "", pending.topic || "", pending.message || "");
    return w;
  }

  function open() {
    if (!launcher) return Promise.resolve();
    return load().then(function (m) {
      launcher.widget = launcher.widget || mount(m, launcher.root, launcher.button);
      launcher.widget.open();
      emit("open", {});
    }, function (e) { console.error("Guichet: the widget could not be loaded", e); });
  }

  function start() {
    if (!data.inline) {
      // A custom element name: the page's `div { … }` rules cannot match the host.
      var host = document.createElement("guichet-widget");
      var root = shadow(host);
      var side = data.position === "bottom-left" ? "left" : "right";
      // A constructed stylesheet, not a <style>: strict CSPs forbid inline styles.
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(
        ":host{all:initial}.launcher{position:fixed;z-index:2147483000;bottom:1rem;" + side + ":1rem;" +
        "margin:0;padding:.75rem 1.25rem;border:0;border-radius:2rem;background:var(--guichet-primary,#000091);color:#fff;" +
        "font:500 1rem/1.5 var(--guichet-font,system-ui,sans-serif);cursor:pointer;" +
        "box-shadow:0 .25rem .75rem rgba(0,0,0,.3)}.launcher:hover{filter:brightness(1.3)}" +
        ".launcher:focus-visible{outline:3px solid #0a76f6;outline-offset:3px}");
      root.adoptedStyleSheets = [sheet];
      root.innerHTML = '<button type="button" class="launcher" aria-haspopup="dialog"></button><div></div>';
      var button = root.querySelector(".launcher");
      button.textContent = data.label || (lang === "en" ? "Contact us" : "Nous contacter");
      button.lang = lang;
      launcher = { root: root.lastChild, button: button };
      button.addEventListener("click", open);
      ["pointerenter", "focus", "touchstart"].forEach(function (type) {
        button.addEventListener(type, quietly, { once: true, passive: true });
      });
      document.body.appendChild(host);
    }
    // Inline forms, e.g. on the contact page: the citizen came to write, so load at once.
    var inline = document.querySelectorAll("[data-guichet-form]");
    for (var i = 0; i < inline.length; i++) {
      var el = inline[i];
      var slot = document.createElement("div");
      shadow(el).appendChild(slot);
      forms.push({ root: slot, topic: el.getAttribute("data-topic") });
    }
    if (forms.length) {
      load().then(function (m) {
        forms.forEach(function (f) { f.widget = mount(m, f.root, null, f.topic); });
      }, function (e) { console.error("Guichet: the form could not be loaded", e); });
    } else if (window.requestIdleCallback) {
      // Otherwise, once the page has long finished loading and the browser has nothing to do.
      var idle = function () { setTimeout(function () { requestIdleCallback(quietly); }, 5000); };
      if (document.readyState === "complete") idle();
      else window.addEventListener("load", idle);
    }
  }

  window.Guichet = {
    open: open,
    close: function () { if (launcher && launcher.widget) launcher.widget.close(); },
    // For a portal whose citizen is logged in: fills the forms, now or once they load.
    prefill: function (p) {
      p = p || {};
      for (var k in p) pending[k] = p[k];
      (launcher && launcher.widget ? [launcher] : []).concat(forms).forEach(function (f) {
        if (f.widget) f.widget.prefill(p.name || "", p.email || "", p.phone || "", p.topic || "", p.message || "");
      });
    }
  };

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
