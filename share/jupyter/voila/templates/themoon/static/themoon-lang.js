/* Keeps the visitor's language for the next visit. The app marks itself themoon-lang-en or
 * themoon-lang-ko (themoon/ui/app.py); this script writes that choice to the themoon_lang cookie,
 * which the next page request carries to its kernel (themoon.ui.app.requested_language). */
(function () {
  "use strict";
  let last = null;
  function remember() {
    const app = document.querySelector(".themoon-app");
    if (!app) {
      return;
    }
    const found = /(?:^|\s)themoon-lang-(en|ko)(?:\s|$)/.exec(app.className);
    if (found && found[1] !== last) {
      last = found[1];
      document.cookie = "themoon_lang=" + last + "; Path=/; Max-Age=31536000; SameSite=Strict";
    }
  }
  new MutationObserver(remember).observe(document.documentElement, {
    subtree: true,
    attributes: true,
    attributeFilter: ["class"],
  });
})();
