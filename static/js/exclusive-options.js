// Exclusive options ("None of these", "Don't know") of a multiple-choice question: ticking one
// unticks the question's other boxes, and ticking another box unticks the exclusive one, so the
// page never holds an answer the server refuses (surveys.forms.exclusive_conflict). What was
// unticked is said in a polite live region. Without JavaScript the server's message says the same.
(function () {
  "use strict";
  const form = document.getElementById("section-form");
  if (!form) {
    return;
  }
  const announcer = document.createElement("span");
  announcer.className = "visually-hidden";
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");
  form.appendChild(announcer);

  function labelOf(box) {
    const label = box.id ? form.querySelector('label[for="' + box.id + '"]') : null;
    return label ? label.textContent.trim() : box.value;
  }

  form.addEventListener("change", (event) => {
    const box = event.target;
    if (box.type !== "checkbox" || !box.checked) {
      return;
    }
    const boxes = Array.from(form.querySelectorAll('input[type="checkbox"]')).filter(
      (other) => other.name === box.name && other !== box && other.checked,
    );
    const exclusive = box.dataset.exclusive === "true";
    // The autosave reads the boxes after this event (surveys' autosave.js), so it saves what is left.
    const cleared = boxes.filter((other) => exclusive || other.dataset.exclusive === "true");
    cleared.forEach((other) => {
      other.checked = false;
    });
    if (cleared.length) {
      announcer.textContent = (form.dataset.unticked || "") + " " + cleared.map(labelOf).join(", ");
    }
  });
})();
