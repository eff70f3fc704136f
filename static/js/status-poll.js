// A page that waits for something (a report or an export being built) reads itself again every
// few seconds and puts the new state in place of the old, instead of reloading the whole page
// (a <meta http-equiv="refresh"> takes the reader's place and focus away). The status line is a
// polite live region changed in place, so a screen reader hears the status when it changes, not
// the progress on every poll.
(function () {
  "use strict";
  const region = document.querySelector("[data-poll-every]");
  if (!region) {
    return;
  }
  const every = Number(region.dataset.pollEvery) * 1000;
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
        if (!fresh) {
          return;
        }
        const text = region.querySelector("[data-poll-text]");
        const freshText = fresh.querySelector("[data-poll-text]");
        if (text && freshText && text.textContent !== freshText.textContent) {
          text.textContent = freshText.textContent;
        }
        const part = region.querySelector("[data-poll-part]");
        const freshPart = fresh.querySelector("[data-poll-part]");
        if (part && freshPart && part.innerHTML !== freshPart.innerHTML) {
          part.innerHTML = freshPart.innerHTML;
        }
        if (fresh.hasAttribute("data-poll-every")) {
          setTimeout(poll, every);
        } else {
          region.removeAttribute("data-poll-every");
        }
      })
      // the server away for a moment: try again later, the page stays as it is
      .catch(() => setTimeout(poll, every * 2));
  }
  setTimeout(poll, every);
})();
