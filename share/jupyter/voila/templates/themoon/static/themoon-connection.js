/* When the page loses its kernel (culled after idling, killed, restarted, or the server stopped or
 * restarted), every widget on it is dead: a click on Save would go nowhere and say nothing. This
 * script watches the kernel's websocket and then shows a banner, in the page's language, saying
 * that nothing more can be saved on this page, with a Reload button; the app underneath stops
 * taking clicks. The texts are themoon/ui/i18n.py's "conn.lost" and "conn.reload" (a test keeps
 * them equal).
 *
 * Signs of a lost kernel: a status message "restarting"/"autorestarting"/"dead" (the server sends
 * it when the kernel process died), or the socket closed and not opened again within a few seconds
 * (the kernel was shut down, or the server went away: the reconnects find no such kernel). */
(function () {
  "use strict";
  const TEXT = {
    en: {
      lost: "Connection to the server was lost — nothing more can be saved on this page.",
      reload: "Reload",
    },
    ko: {
      lost: "서버와의 연결이 끊겼습니다 — 이 페이지에서는 더 이상 저장할 수 없습니다.",
      reload: "새로고침",
    },
  };
  const KERNEL_SOCKET = /\/api\/kernels\/[^/?]+\/channels/;
  const GONE = /"execution_state"\s*:\s*"(restarting|autorestarting|dead)"/;
  const STATUS_MAX_BYTES = 4096; // status messages are small: bigger ones are not decoded
  const GRACE_MS = 4000;
  const Native = window.WebSocket;
  let lastOpen = 0;
  let lost = false;
  let unloading = false;
  window.addEventListener("beforeunload", function () {
    unloading = true;
  });

  function language() {
    const active = document.querySelector(".themoon-lang .mod-active");
    if (active) {
      return active.textContent.trim() === "한국어" ? "ko" : "en";
    }
    const lang = document.documentElement.lang || navigator.language || "en";
    return lang.toLowerCase().startsWith("ko") ? "ko" : "en";
  }

  function showLost() {
    if (lost || unloading || !document.body) {
      return;
    }
    lost = true;
    const text = TEXT[language()];
    const banner = document.createElement("div");
    banner.className = "themoon-connection-lost";
    banner.setAttribute("role", "alert");
    const message = document.createElement("span");
    message.className = "themoon-connection-text";
    message.textContent = text.lost;
    const reload = document.createElement("button");
    reload.type = "button";
    reload.className = "themoon-connection-reload";
    reload.textContent = text.reload;
    reload.addEventListener("click", function () {
      window.location.reload();
    });
    banner.append(message, reload);
    document.body.appendChild(banner);
    document.body.classList.add("themoon-disconnected");
  }

  function inspect(data) {
    if (lost) {
      return;
    }
    if (typeof data === "string") {
      if (data.length <= STATUS_MAX_BYTES && GONE.test(data)) {
        showLost();
      }
    } else if (data instanceof ArrayBuffer) {
      if (data.byteLength <= STATUS_MAX_BYTES && GONE.test(new TextDecoder().decode(data))) {
        showLost();
      }
    } else if (data instanceof Blob && data.size <= STATUS_MAX_BYTES) {
      data.text().then(inspect);
    }
  }

  function closed() {
    const at = Date.now();
    setTimeout(function () {
      if (lastOpen < at) {
        showLost();
      }
    }, GRACE_MS);
  }

  function watch(socket) {
    socket.addEventListener("open", function () {
      lastOpen = Date.now();
    });
    socket.addEventListener("message", function (event) {
      inspect(event.data);
    });
    socket.addEventListener("close", closed);
  }

  class Watched extends Native {
    constructor(...args) {
      super(...args);
      if (KERNEL_SOCKET.test(String(args[0]))) {
        watch(this);
      }
    }
  }
  window.WebSocket = Watched;
})();
