/* For the municipality's own site: sizes the rating iframe to its content.
   <iframe src="https://FEEDBACK-SERVER/rate?embed=1" title="…" data-ukukavshiri></iframe>
   <script src="https://FEEDBACK-SERVER/static/embed.js" async></script>
   Only messages from the server this script came from are heeded (docs/web.md, "Embedding"). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var origin = new URL(script.src, window.location.href).origin;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "ukukavshiri:height") {
      return;
    }
    var height = Math.ceil(Number(data.height));
    if (!(height > 0 && height < 20000)) {
      return;
    }
    var frames = document.querySelectorAll("iframe[data-ukukavshiri]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = height + "px";
      }
    }
  });
})();
