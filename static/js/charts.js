/* Draws every plotly figure on the page. A figure travels as JSON in a
   <script type="application/json" id="X"> (Django's json_script) and is drawn into the element
   that names it: <div class="chart" data-plotly-figure="X" role="img" aria-label="..."></div>.
   No inline scripts, so the Content-Security-Policy can forbid them. */
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-plotly-figure]").forEach(function (target) {
      var source = document.getElementById(target.getAttribute("data-plotly-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      if (typeof figure === "string") { figure = JSON.parse(figure); }
      // No mode bar: its buttons would sit inside role="img" (axe nested-interactive) and offer to share
      // the chart with a website.
      var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {}, { displayModeBar: false });
      Plotly.newPlot(target, figure.data || [], figure.layout || {}, config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
