// RSC Logbook: keeps a page current. The server's event stream (/events) says when a session
// of this account changed elsewhere; the page then fetches itself again and swaps in the part
// marked data-live, and says so in its status line. While someone is typing inside that part,
// the swap waits until they leave it, so nothing they are doing is lost.
"use strict";

(() => {
  const region = () => document.querySelector("[data-live]");
  const status = document.getElementById("live-status");
  if (!region() || !window.EventSource || !status) {
    return;
  }
  let stale = false;

  const busy = () => {
    const active = document.activeElement;
    return active && region().contains(active) && active.matches("input, textarea, select");
  };

  async function refresh() {
    if (busy()) {
      stale = true;
      return;
    }
    stale = false;
    const response = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) {
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("[data-live]");
    if (fresh) {
      region().replaceWith(document.importNode(fresh, true));
      const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      status.textContent = `Updated at ${time}: a session changed.`;
    }
  }

  document.addEventListener("focusout", () => {
    if (stale) {
      setTimeout(refresh, 0);
    }
  });
  // EventSource reconnects by itself when the stream ends (the server ends each one after a
  // while); each new stream opens with `ready`, which is a change only after a reconnect.
  let opened = false;
  const source = new EventSource("/events");
  source.addEventListener("ready", () => {
    if (opened) {
      refresh();
    }
    opened = true;
  });
  source.addEventListener("changed", refresh);
})();
