/* The dashboard's charts, drawn by plotly.js without the jupyterlab-plotly extension.
 *
 * The kernel sends a chart as an HTML widget holding <div class="themoon-plotly" data-figure="{json}">
 * (themoon/ui/charts.py). This script watches the page for such elements and draws each one once
 * with Plotly.newPlot. plotly.js (the npm cartesian partial bundle, fetched at install time; its URL
 * comes in the page config as themoonPlotlyUrl) is loaded as an async script once the page has
 * loaded: Chrome compiles it off the main thread while Voilà fetches its widget code and waits for
 * the kernel, so the KPIs are not held back and the charts need not wait for 1.5 MB of script
 * after them. A chart is drawn when it has a width (a hidden tab's chart waits until shown) and
 * resized, never redrawn, when its card changes size.
 *
 * window.themoonCharts.draws counts Plotly.newPlot calls per figure (data-figure-id): the browser
 * tests check that no figure is drawn twice.
 */
(function () {
  "use strict";
  const state = { draws: {}, drawn: 0, pending: new Set(), loading: null };
  window.themoonCharts = state;

  function plotlyUrl() {
    const node = document.getElementById("jupyter-config-data");
    try {
      return JSON.parse(node.textContent).themoonPlotlyUrl;
    } catch (error) {
      return null;
    }
  }

  function loadPlotly() {
    if (window.Plotly) {
      return Promise.resolve(window.Plotly);
    }
    if (!state.loading) {
      state.loading = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = plotlyUrl();
        script.async = true;
        script.onload = function () {
          resolve(window.Plotly);
        };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return state.loading;
  }

  const resizer = new ResizeObserver(function (entries) {
    for (const entry of entries) {
      const el = entry.target;
      if (el.themoonDrawn) {
        if (el.offsetWidth > 0 && window.Plotly) {
          window.Plotly.Plots.resize(el);
        }
      } else if (el.offsetWidth > 0) {
        draw(el);
      }
    }
  });

  function draw(el) {
    if (el.themoonDrawn || el.themoonDrawing || !el.isConnected || el.offsetWidth === 0) {
      return;
    }
    el.themoonDrawing = true;
    loadPlotly().then(function (Plotly) {
      el.themoonDrawing = false;
      if (el.themoonDrawn || !el.isConnected) {
        return;
      }
      let figure;
      try {
        figure = JSON.parse(el.getAttribute("data-figure"));
      } catch (error) {
        console.error("themoon: unreadable chart", error);
        return;
      }
      el.themoonDrawn = true;
      const id = el.getAttribute("data-figure-id") || "?";
      state.draws[id] = (state.draws[id] || 0) + 1;
      state.drawn += 1;
      Plotly.newPlot(el, figure.data, figure.layout, figure.config);
    });
  }

  function watch(el) {
    if (el.themoonWatched) {
      return;
    }
    el.themoonWatched = true;
    resizer.observe(el);
    draw(el);
  }

  function scan(root) {
    if (root.nodeType !== 1) {
      return;
    }
    if (root.matches(".themoon-plotly[data-figure]")) {
      watch(root);
    }
    root.querySelectorAll(".themoon-plotly[data-figure]").forEach(watch);
  }

  new MutationObserver(function (mutations) {
    for (const mutation of mutations) {
      mutation.addedNodes.forEach(scan);
      mutation.removedNodes.forEach(function (node) {
        if (node.nodeType === 1) {
          const gone = node.matches(".themoon-plotly") ? [node] : node.querySelectorAll(".themoon-plotly");
          gone.forEach(function (el) {
            resizer.unobserve(el);
            if (el.themoonDrawn && window.Plotly) {
              window.Plotly.purge(el);
            }
          });
        }
      });
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  window.addEventListener("load", function () {
    loadPlotly();
  });
})();
