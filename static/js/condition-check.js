// Live feedback on conditions in the section admin: each condition is checked
// at its place in the questionnaire while it is typed. Saving checks again.
(function () {
  "use strict";
  const match = window.location.pathname.match(/\/surveys\/section\/(\d+)\/change\//);
  const questionnaire = document.getElementById("id_questionnaire");
  if (!match || !questionnaire) {
    return;
  }
  const sectionId = match[1];

  function feedbackFor(input) {
    let box = document.getElementById(input.id + "-check");
    if (!box) {
      box = document.createElement("div");
      box.id = input.id + "-check";
      box.setAttribute("aria-live", "polite");
      box.className = "condition-check";
      input.insertAdjacentElement("afterend", box);
      input.setAttribute("aria-describedby", box.id);
    }
    return box;
  }

  function positionFor(input) {
    const prefix = input.name.replace(/-condition$/, "");
    if (prefix === input.name) {
      return "";
    }
    const position = document.querySelector('[name="' + prefix + '-position"]');
    return position ? position.value : "";
  }

  let timer = null;
  function check(input) {
    const params = new URLSearchParams({ section: sectionId, position: positionFor(input), text: input.value });
    fetch("/staff/questionnaires/" + questionnaire.value + "/check-condition/?" + params, {
      credentials: "same-origin",
    })
      .then((response) => response.json())
      .then((result) => {
        const box = feedbackFor(input);
        box.textContent = result.ok ? (input.value.trim() ? "✓" : "") : result.message;
        box.style.color = result.ok ? "#146c43" : "#b02a37";
      })
      .catch(() => {
        feedbackFor(input).textContent = "";
      });
  }

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)) {
      return;
    }
    if (!/(^|-)condition$/.test(input.name)) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(() => check(input), 400);
  });
})();
