// The design studio's questionnaire page: drag and drop with SortableJS posts the same move as
// the up and down buttons (one service behind both), and after htmx redraws the list the focus
// goes back to the button that was pressed, so a keyboard user can press it again.
(function () {
  "use strict";
  let focusId = null;

  function post(body, params) {
    // From the list itself, so the request carries the CSRF header the page sets on its wrapper (hx-headers).
    window.htmx.ajax("POST", body.dataset.moveUrl, {
      source: body,
      target: "#questionnaire-body",
      swap: "outerHTML",
      values: params,
    });
  }

  function bind() {
    const body = document.getElementById("questionnaire-body");
    if (!body || !window.Sortable) {
      return;
    }
    body.querySelectorAll("[data-sortable=sections]").forEach((list) => {
      window.Sortable.create(list, {
        handle: ".studio-handle",
        draggable: ".studio-section",
        animation: 150,
        // Mouse and touch events rather than the browser's own drag and drop: the same in every browser.
        forceFallback: true,
        onEnd: (event) => {
          if (event.oldIndex !== event.newIndex) {
            post(body, { kind: "section", id: event.item.dataset.id, index: event.newIndex });
          }
        },
      });
    });
    body.querySelectorAll("[data-sortable=items]").forEach((list) => {
      window.Sortable.create(list, {
        group: "items",
        handle: ".studio-handle",
        draggable: ".studio-item",
        animation: 150,
        forceFallback: true,
        onEnd: (event) => {
          if (event.from === event.to && event.oldIndex === event.newIndex) {
            return;
          }
          post(body, {
            kind: "item",
            id: event.item.dataset.id,
            section: event.to.dataset.section,
            index: event.newDraggableIndex,
          });
        },
      });
    });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".studio-move button");
    focusId = button ? button.id : null;
  });
  document.addEventListener("htmx:afterSettle", () => {
    bind();
    if (focusId) {
      let button = document.getElementById(focusId);
      if (button && button.disabled) {
        // At the top or the bottom now: the other button of the pair still moves it.
        const other = focusId.startsWith("up-") ? focusId.replace(/^up-/, "down-") : focusId.replace(/^down-/, "up-");
        button = document.getElementById(other);
      }
      if (button) {
        button.focus();
      }
    }
  });
  document.addEventListener("DOMContentLoaded", bind);
})();
