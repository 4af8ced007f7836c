/*
 * 信访与人民建议智能助手 — embeddable chat widget (loader).
 *
 *   <script src="https://HOST:8080/widget/widget.js" data-server="https://HOST:5005"
 *           data-title="信访与人民建议智能助手" data-primary-color="#b71c1c" defer></script>
 *
 * Options may also be given as window.XinfangWidget = {server, title, primaryColor, lang, ...}
 * before this script; data-* attributes win. See widget/README.md.
 *
 * This classic script only finds its own <script> tag and loads the widget's ES modules from
 * the same folder, so one tag is all a page needs.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || window.__xinfangWidgetStarted) return;
  window.__xinfangWidgetStarted = true;

  function start() {
    var base = new URL("./", script.src).href;
    import(base + "src/app.js")
      .then(function (app) {
        app.startWidget({
          scriptElement: script,
          scriptUrl: script.src,
          globalConfig: window.XinfangWidget,
          stylesheetUrl: base + "widget.css",
        });
      })
      .catch(function (error) {
        console.error("[xinfang-widget] could not start:", error);
      });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
