// Autosave for a questionnaire section: each answer is saved when it changes,
// items appear and disappear as the server evaluates the conditions, and the
// page says honestly what happened: saved, not valid (the reason by the question), not saved
// yet for the network or the server (kept, retried, counted) or changed by someone else. Without JavaScript the same form
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
  // never arrived (offline, a proxy's error page) is kept and sent again after these pauses
  // (the last repeated until it goes through), and at once when the browser is back online,
  // with what the fields hold then. Meanwhile the page counts the answers not saved yet.
  const RETRY_DELAYS = [2000, 4000, 8000, 15000, 30000];
  const retries = {};
  const unsaved = new Set();
  // The last outcome of each question that did not save for a reason of its own (not valid,
  // changed elsewhere, refused): the page's status names these until they are settled.
  const refused = {};
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
    status.dataset.state = kind;
    status.className = "ms-2 fw-semibold " + (kind === "saved" || kind === "saving" ? "text-success" : "text-danger");
  }

  // What the status says after an outcome: answers waiting for the network come first (they
  // still need the page to stay open), then one that was not valid or changed elsewhere.
  function summarise(savedAt) {
    if (unsaved.size > 0) {
      setStatus(form.dataset.offline.replace("{count}", unsaved.size), "offline");
      return;
    }
    const codes = Object.keys(refused);
    if (codes.length > 0) {
      const last = refused[codes[codes.length - 1]];
      setStatus(last.text, last.kind);
      return;
    }
    setStatus(form.dataset.saved + (savedAt ? " " + savedAt : ""), "saved");
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
      item.appendChild(box);
    }
    // The message is read with the field (aria-describedby) and announced politely by the status.
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
    const rows = item.querySelectorAll(".matrix-grid tbody tr");
    if (rows.length > 0) {
      // a matrix is answered when every row is
      return Array.from(rows).every((row) => row.querySelector("input:checked"));
    }
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
    unsaved.add(code);
    summarise();
    if (again[code]) {
      return; // a newer change goes now anyway
    }
    const attempt = retries[code] || 0;
    retries[code] = attempt + 1;
    timers[code] = setTimeout(() => save(item), RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)]);
  }
  window.addEventListener("online", () => {
    unsaved.forEach((code) => {
      const item = form.querySelector('[data-question="' + code + '"]');
      if (item) {
        save(item);
      }
    });
  });

  // Someone else saved this answer since the page showed it: their answer is shown with a
  // choice, to put theirs in the fields or to save one's own over it.
  function conflictChoice(item, data, version) {
    const code = item.dataset.question;
    const who = data.by ? " (" + data.by + ")" : "";
    itemMessage(item, form.dataset.conflict + " " + (data.theirs || "–") + who + ".", "error");
    const box = document.getElementById("autosave-message-" + code);
    const choices = document.createElement("div");
    choices.className = "d-flex flex-wrap gap-2 mt-1";
    const theirs = document.createElement("button");
    theirs.type = "button";
    theirs.className = "btn btn-sm btn-outline-primary";
    theirs.textContent = form.dataset.useTheirs;
    theirs.addEventListener("click", () => {
      item.querySelectorAll("input, textarea, select").forEach((field) => {
        if (!field.name) {
          return;
        }
        const stored = data.fields[field.name];
        if (field.type === "radio" || field.type === "checkbox") {
          const chosen = Array.isArray(stored) ? stored : stored === undefined ? [] : [stored];
          field.checked = chosen.indexOf(field.value) !== -1;
        } else {
          field.value = stored === undefined || stored === null ? "" : stored;
        }
      });
      delete refused[code];
      itemMessage(item, "", "ok");
      updateProgress();
      summarise();
    });
    const mine = document.createElement("button");
    mine.type = "button";
    mine.className = "btn btn-sm btn-outline-secondary";
    mine.textContent = form.dataset.keepMine;
    mine.addEventListener("click", () => save(item));
    choices.append(theirs, mine);
    box.appendChild(choices);
    if (version) {
      version.value = data.version;
    }
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
    setStatus(form.dataset.saving, "saving");
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
        if (data.status === "unavailable") {
          retryLater(item);
          return;
        }
        retries[code] = 0;
        unsaved.delete(code);
        delete refused[code];
        if (data.status === "saved") {
          if (version) {
            version.value = data.version;
          }
          itemMessage(item, "", "ok");
          form.querySelectorAll("[data-question]").forEach((other) => {
            other.hidden = data.hidden.indexOf(other.dataset.question) !== -1;
          });
          updateProgress();
          summarise(data.saved_at);
          return;
        }
        if (data.status === "conflict") {
          conflictChoice(item, data, version);
          refused[code] = { text: form.dataset.conflicted, kind: "conflict" };
        } else if (data.status === "invalid") {
          const reason = data.errors.join(" ");
          itemMessage(item, reason, "error", true);
          refused[code] = { text: form.dataset.invalid + " " + reason, kind: "invalid" };
        } else {
          // refused for the link or the round (closed, taken back): the server says why
          const why = data.message || form.dataset.refusedUnknown;
          itemMessage(item, why, "error");
          refused[code] = { text: form.dataset.refused + " " + why, kind: "refused" };
        }
        summarise();
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
    if (event.target.type === "text" || event.target.tagName === "TEXTAREA") {
      schedule(event, 800);
    }
  });
})();
