// Autosave for a questionnaire section: each answer is saved when it changes,
// items appear and disappear as the server evaluates the conditions, and the
// page says honestly whether saving worked. Without JavaScript the same form
// saves on "Save and go on".
(function () {
  "use strict";
  const form = document.getElementById("section-form");
  if (!form) {
    return;
  }
  const status = document.getElementById("save-status");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const timers = {};
  // One save per question at a time: a change made while a save is on its way is sent
  // after it, from the version that save returned, so quick clicks never conflict.
  const inFlight = {};
  const again = {};
  // A save the server could not make (its database restarting: 503 "unavailable") or that
  // never arrived (the network, a proxy's error page) is sent again after these pauses,
  // with what the fields hold then; after the last the page says it is not saved.
  const RETRY_DELAYS = [2000, 4000, 8000, 15000, 30000];
  const retries = {};

  // Saves scheduled or on their way: the page asks before it is left while this is not 0.
  function busy() {
    const waiting = Object.keys(timers).length + Object.values(inFlight).filter(Boolean).length;
    form.dataset.busy = String(waiting);
    return waiting;
  }
  let submitting = false;
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && busy() > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  form.addEventListener("submit", () => {
    // The form posts every answer itself; pending autosaves need not hold the page.
    submitting = true;
    Object.keys(timers).forEach((code) => clearTimeout(timers[code]));
    Object.keys(timers).forEach((code) => delete timers[code]);
    form.dataset.busy = "0";
  });
  busy();

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = "ms-2 fw-semibold " + (kind === "error" ? "text-danger" : "text-success");
  }

  // The item's fields name the message in aria-describedby, so a screen reader reads it with
  // the field; a refused answer is also marked aria-invalid.
  function describe(item, id, on, invalid) {
    item.querySelectorAll("input, textarea, select").forEach((field) => {
      const ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
      if (on) {
        ids.push(id);
      }
      if (ids.length) {
        field.setAttribute("aria-describedby", ids.join(" "));
      } else {
        field.removeAttribute("aria-describedby");
      }
      if (on && invalid) {
        field.setAttribute("aria-invalid", "true");
      } else {
        field.removeAttribute("aria-invalid");
      }
    });
  }

  function itemMessage(item, text, kind, invalid) {
    const id = "autosave-message-" + item.dataset.question;
    let box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.setAttribute("role", "alert");
      item.appendChild(box);
    }
    box.textContent = text;
    box.className = "autosave-message mt-1 " + (kind === "error" ? "text-danger" : "text-body");
    describe(item, id, Boolean(text), Boolean(invalid));
    if (!text) {
      box.remove();
    }
  }

  // "12 of 30 questions answered": the questions shown that have an answer on the page.
  const progress = document.getElementById("progress");
  function hasAnswer(item) {
    return Array.from(item.querySelectorAll("input, textarea, select")).some((field) => {
      if (!field.name || field.name.endsWith("__comment")) {
        return false;
      }
      if (field.type === "radio" || field.type === "checkbox") {
        return field.checked;
      }
      return field.value.trim() !== "";
    });
  }
  function updateProgress() {
    if (!progress) {
      return;
    }
    const shown = Array.from(form.querySelectorAll("[data-question]")).filter(
      (item) => !item.hidden && item.querySelector("input, textarea, select"),
    );
    const answered = shown.filter(hasAnswer).length;
    const template = shown.length === 1 ? progress.dataset.one : progress.dataset.many;
    progress.textContent = template.replace("{answered}", answered).replace("{total}", shown.length);
  }

  function retryLater(item) {
    const code = item.dataset.question;
    const attempt = retries[code] || 0;
    if (again[code] || attempt >= RETRY_DELAYS.length) {
      // a newer change goes now anyway, or the retries are spent
      retries[code] = again[code] ? attempt : 0;
      setStatus(form.dataset.failed, "error");
      return;
    }
    retries[code] = attempt + 1;
    setStatus(form.dataset.retrying, "error");
    timers[code] = setTimeout(() => save(item), RETRY_DELAYS[attempt]);
  }

  function save(item) {
    const code = item.dataset.question;
    clearTimeout(timers[code]);
    delete timers[code];
    if (inFlight[code]) {
      again[code] = true;
      busy();
      return;
    }
    inFlight[code] = true;
    busy();
    const version = form.querySelector('[data-version-for="' + code + '"]');
    const body = new URLSearchParams();
    body.append("question", code);
    body.append("version", version ? version.value : "0");
    item.querySelectorAll("input, textarea, select").forEach((field) => {
      if (!field.name || ((field.type === "radio" || field.type === "checkbox") && !field.checked)) {
        return;
      }
      body.append(field.name, field.value);
    });
    setStatus(form.dataset.saving, "ok");
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
    })
      .then((response) =>
        response.json().then(
          (data) => ({ data: data }),
          // not JSON: a proxy's error page when the server is away, or a refusal of our own
          () => ({ data: { status: response.status >= 500 ? "unavailable" : "failed" } }),
        ),
      )
      .then(({ data }) => {
        if (data.status !== "unavailable") {
          retries[code] = 0;
        }
        if (data.status === "saved") {
          if (version) {
            version.value = data.version;
          }
          itemMessage(item, "", "ok");
          setStatus(form.dataset.saved + " " + data.saved_at, "ok");
          form.querySelectorAll("[data-question]").forEach((other) => {
            other.hidden = data.hidden.indexOf(other.dataset.question) !== -1;
          });
          updateProgress();
        } else if (data.status === "conflict") {
          if (version) {
            version.value = data.version;
          }
          const who = data.by ? " (" + data.by + ")" : "";
          itemMessage(item, form.dataset.conflict + " " + (data.theirs || "–") + who + ". " + form.dataset.conflictKeep, "error");
          setStatus(form.dataset.failed, "error");
        } else if (data.status === "unavailable") {
          retryLater(item);
        } else if (data.status === "invalid") {
          itemMessage(item, data.errors.join(" "), "error", true);
          setStatus(form.dataset.failed, "error");
        } else {
          itemMessage(item, data.message || "", "error");
          setStatus(form.dataset.failed, "error");
        }
      })
      .catch(() => retryLater(item))
      .finally(() => {
        inFlight[code] = false;
        if (again[code]) {
          again[code] = false;
          save(item);
        }
        busy();
      });
  }

  function schedule(event, delay) {
    const item = event.target.closest("[data-question]");
    if (!item) {
      return;
    }
    clearTimeout(timers[item.dataset.question]);
    retries[item.dataset.question] = 0; // a new change: its own retries
    timers[item.dataset.question] = setTimeout(() => save(item), delay);
    busy();
  }

  form.addEventListener("change", (event) => schedule(event, 0));
  form.addEventListener("input", (event) => {
    if (event.target.type === "text" || event.target.tagName === "TEXTAREA" || event.target.type === "number") {
      schedule(event, 800);
    }
  });
})();
