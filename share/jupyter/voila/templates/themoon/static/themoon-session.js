/* When the dashboard's session ends (sign-out, idle timeout, an account changed elsewhere), the
 * kernel closes every widget of the signed-in views and leaves one notice with the class
 * themoon-session-ended (themoon/ui/session.py). This script sees it and loads a fresh page: a new
 * kernel at the sign-in screen, told why (?signed_out=<reason>). Leaving this page makes Voilà's
 * own script ask the server to shut the old kernel down. */
(function () {
  "use strict";
  const REASONS = ["signed_out", "idle", "account", "self"];
  const found = document.getElementsByClassName("themoon-session-ended"); // live: cheap to check
  let leaving = false;

  function leave() {
    if (leaving || found.length === 0) {
      return;
    }
    leaving = true;
    const asked = found[0].getAttribute("data-reason");
    const reason = REASONS.indexOf(asked) >= 0 ? asked : "signed_out";
    window.location.replace(window.location.pathname + "?signed_out=" + reason);
  }

  function watch() {
    new MutationObserver(leave).observe(document.body, { childList: true, subtree: true });
    leave();
  }

  if (document.body) {
    watch();
  } else {
    document.addEventListener("DOMContentLoaded", watch);
  }
})();
