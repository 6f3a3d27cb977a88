// The console's only script: server push into the page, control-plane calls, copy buttons.
// Everything it does is one of the emulator's public calls; see docs/console.md.
"use strict";

// Server push: one EventSource per page; each event fills the element whose data-part names it.
// listen() again (after a steering call) reconnects, and the server sends every part afresh.
let source = null;
function listen() {
  const url = document.body.dataset.stream;
  if (!url || !window.EventSource) return;
  if (source) source.close();
  source = new EventSource(url);
  document.querySelectorAll("[data-part]").forEach(function (el) {
    source.addEventListener(el.dataset.part, function (event) {
      if (el.dataset.swap === "prepend") {
        el.insertAdjacentHTML("afterbegin", event.data);
        const keep = Number(el.dataset.keep || 200);
        while (el.children.length > keep) el.lastElementChild.remove();
        const empty = document.getElementById(el.dataset.empty || "");
        if (empty) empty.hidden = el.children.length > 0;
      } else {
        el.innerHTML = event.data;
      }
    });
  });
  source.addEventListener("gone", function () {
    source.close();
    say("This world was deleted.", true);
  });
}
listen();

function say(text, bad) {
  const box = document.getElementById("status");
  if (!box) return;
  box.textContent = text;
  box.className = bad ? "status bad" : "status";
}

// "{name}" in a URL or a body value is the value of the form field `name` next to the button.
function fill(text, form) {
  return text.replace(/\{(\w+)\}/g, function (_, name) {
    const field = form && form.elements[name];
    return field ? encodeURIComponent(field.value) : "";
  });
}

function fillBody(value, form) {
  if (typeof value === "string") {
    const m = /^\{(\w+)\}(\*(\d+))?$/.exec(value);
    const field = m && form && form.elements[m[1]];
    if (field) {
      if (field.type === "number" || field.dataset.type === "number") return Number(field.value) * Number(m[3] || 1);
      return field.value === "" ? null : field.value;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(function (v) { return fillBody(v, form); });
  if (value && typeof value === "object") {
    const out = {};
    Object.keys(value).forEach(function (k) { out[k] = fillBody(value[k], form); });
    return out;
  }
  return value;
}

// A server started with EMULATOR_CONTROL_TOKEN answers 401 without it: ask once, keep it for
// this tab (sessionStorage), send it as X-Emulator-Token, and ask again if it was wrong.
const TOKEN_KEY = "backup-emulator.control-token";
async function controlFetch(url, init) {
  for (;;) {
    const token = window.sessionStorage.getItem(TOKEN_KEY);
    if (token) init.headers["X-Emulator-Token"] = token;
    const response = await fetch(url, init);
    if (response.status !== 401) return response;
    const given = window.prompt(
      "This emulator's control plane needs its token (EMULATOR_CONTROL_TOKEN):");
    if (!given) return response;
    window.sessionStorage.setItem(TOKEN_KEY, given);
  }
}

// A button with data-call="METHOD /path" calls the control plane with data-body as JSON.
async function call(button) {
  const form = button.closest("form");
  const parts = button.dataset.call.split(" ");
  const method = parts[0];
  const url = fill(parts[1], form);
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  // Same-origin and JSON, as the server's guard asks of every control-plane write.
  const init = { method: method, credentials: "same-origin",
                 headers: { Accept: "application/json", "Content-Type": "application/json" } };
  if (button.dataset.body !== undefined) {
    init.body = JSON.stringify(fillBody(JSON.parse(button.dataset.body), form));
  }
  button.disabled = true;
  say("Working: " + (button.dataset.label || button.textContent.trim()) + "...");
  try {
    const response = await controlFetch(url, init);
    const text = await response.text();
    const answer = text ? JSON.parse(text) : null;
    if (!response.ok) {
      say("Refused (" + response.status + "): " + (answer && answer.message || text), true);
      return;
    }
    say("Done: " + (button.dataset.label || button.textContent.trim()) + ".");
    const then = button.dataset.then;
    if (then === "reload") window.location.reload();
    else if (then) window.location.assign(then.split("{id}").join(answer && answer.id || ""));
    else listen();
  } catch (error) {
    say("Failed: " + error, true);
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("click", function (event) {
  const button = event.target.closest("button[data-call]");
  if (button) {
    event.preventDefault();
    call(button);
    return;
  }
  const copy = event.target.closest("button[data-copy]");
  if (copy) {
    const done = function () { say("Copied " + copy.dataset.label + "."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(copy.dataset.copy).then(done, function () {
        legacyCopy(copy.dataset.copy); done();
      });
    } else {
      legacyCopy(copy.dataset.copy); done();
    }
  }
});

function legacyCopy(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "absolute";
  area.style.left = "-9999px";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

// Forms carrying control-plane buttons never submit as pages (Enter presses the first button).
document.addEventListener("submit", function (event) {
  const form = event.target;
  const button = form.querySelector("button[data-call]");
  if (button) {
    event.preventDefault();
    call(button);
  }
});
