/* A MathJax that typesets nothing. The dashboard shows no TeX, yet Voilà's page would load MathJax
 * (~320 kB of script) and run it over every HTML widget. themoon.serve.light_page_config points the
 * page's MathJax 2 URL here: the typesetter finds the few calls it makes, and they do nothing. */
(function () {
  "use strict";
  function nothing() {}
  window.MathJax = {
    Hub: { Queue: nothing, Config: nothing, Configured: nothing, Register: { StartupHook: nothing } },
    Ajax: {},
    InputJax: { TeX: { resetEquationNumbers: nothing } },
  };
})();
