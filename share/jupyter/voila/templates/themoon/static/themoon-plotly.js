/* The plotly renderer (jupyterlab-plotly) answers every Lumino update request with Plotly.redraw,
 * a full replot, and then a resize. While Voilà lays the page out it sends each plot three or four
 * of them, so every Overview chart was drawn four times. A figure never changes in place here (new
 * data arrives as a new output, drawn by Plotly.react), so a redraw of a plot already drawn is made
 * a no-op and the renderer's resize that follows it does what is needed. */
(function () {
  "use strict";
  let plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: function () {
      return plotly;
    },
    set: function (value) {
      plotly = value;
      if (!value || typeof value.redraw !== "function" || value.redraw.themoonOnce) {
        return;
      }
      const redraw = value.redraw;
      value.redraw = function (gd) {
        const node = typeof gd === "string" ? document.getElementById(gd) : gd;
        if (node && node._fullLayout && node.querySelector(".main-svg")) {
          return Promise.resolve(node);
        }
        return redraw.apply(this, arguments);
      };
      value.redraw.themoonOnce = true;
    },
  });
})();
