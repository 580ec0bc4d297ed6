// qa manage page, entry module: sign in with a key, list and change the documents in its folders, follow the
// build, and (admins) manage keys. Every text from the server goes in as a text node, never as markup.
import { getKey, setKey } from "./auth.js";
import { el } from "./dom.js";
import { call, upload, watchBuild } from "./manage-api.js";

const $ = (id) => document.getElementById(id);
let me = null;
let stopWatching = null;

function summary(report) {
  if (!report) return "";
  return `Last rebuild: ${report.added} added, ${report.changed} changed, ${report.removed} removed; `
    + `${report.chunks} chunks, ${report.tables} tables in ${Number(report.seconds).toFixed(2)} s.`;
}

function showStatus(status) {
  const building = status.state === "building";
  $("build-progress").max = Math.max(status.total, 1);
  $("build-progress").value = building ? status.done : $("build-progress").max;
  $("build-state").textContent = building ? `Building: ${status.done} of ${status.total} files looked at…` : "Idle.";
  $("build-last").textContent = summary(status.last);
  $("skipped").replaceChildren(...(status.skipped || []).map((s) => el("li", {}, el("code", {}, s.source), ` — ${s.reason}`)));
  if (!building) refreshDocuments();
}

async function refreshDocuments() {
  const docs = await call("GET", "api/documents").catch(() => []);
  $("no-docs").hidden = docs.length > 0;
  $("doc-rows").replaceChildren(...docs.map((d) => {
    const remove = el("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Delete ${d.source}` }, "Delete");
    remove.hidden = !me || me.role === "reader";
    remove.addEventListener("click", () => removeDocument(d.source));
    const name = el("td", {}, el("a", { href: `view/${d.source.split("/").map(encodeURIComponent).join("/")}` }, d.title),
      el("br"), el("code", {}, d.source));
    return el("tr", { "data-source": d.source }, name, el("td", {}, String(d.chunks)), el("td", {}, String(d.tables)),
      el("td", {}, remove));
  }));
}

async function removeDocument(source) {
  if (!window.confirm(`Delete ${source} from the corpus? This cannot be undone.`)) return;
  $("upload-status").textContent = `Deleting ${source}…`;
  try {
    const body = await call("DELETE", `api/documents/${source.split("/").map(encodeURIComponent).join("/")}`);
    $("upload-status").textContent = `Deleted ${body.removed}.`;
  } catch (err) {
    $("upload-status").textContent = err.message;
  }
  refreshDocuments();
}

async function send(file) {
  if (!file) return;
  const bar = $("upload-progress");
  bar.value = 0;
  $("upload-status").textContent = `Uploading ${file.name}…`;
  try {
    const body = await upload(file, $("folder").value.trim(), (f) => {
      bar.value = Math.round(f * 100);
      if (f >= 1) $("upload-status").textContent = `Uploaded ${file.name}; updating the index…`;
    });
    bar.value = 100;
    $("upload-status").textContent = `Added ${body.source}${body.replaced ? " (replaced)" : ""}. ${summary(body.rebuild)}`;
  } catch (err) {
    $("upload-status").textContent = err.message;
  }
  refreshDocuments();
}

async function refreshKeys() {
  const keys = await call("GET", "api/keys").catch(() => []);
  $("key-rows").replaceChildren(...keys.map((k) => {
    const revoke = el("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Revoke ${k.name}` }, "Revoke");
    revoke.addEventListener("click", async () => {
      if (!window.confirm(`Revoke the key ${k.name}? Whoever holds it loses access within seconds.`)) return;
      await call("DELETE", `api/keys/${encodeURIComponent(k.name)}`).catch((err) => { $("key-error").textContent = err.message; });
      refreshKeys();
    });
    return el("tr", {}, el("td", {}, k.name), el("td", {}, k.role), el("td", {}, k.scopes.join(", ") || "whole corpus"),
      el("td", {}, revoke));
  }));
}

async function createKey(event) {
  event.preventDefault();
  $("key-error").textContent = "";
  const scopes = $("key-scopes").value.split(",").map((s) => s.trim()).filter(Boolean);
  try {
    const made = await call("POST", "api/keys", { name: $("key-name").value.trim(), role: $("key-role").value, scopes });
    $("new-key-value").textContent = made.key;
    $("new-key").hidden = false;
    $("key-form").reset();
  } catch (err) {
    $("key-error").textContent = err.message;
  }
  refreshKeys();
}

async function signIn(key) {
  if (!key) {
    $("signin-error").textContent = "Enter a key (qa_…).";
    return;
  }
  setKey(key);
  try {
    me = await call("GET", "api/me");
  } catch (err) {
    setKey("");
    $("signin-error").textContent = err.status === 401 ? "That key is unknown or revoked." : err.message;
    return;
  }
  $("signin-error").textContent = "";
  $("signin-form").hidden = true;
  $("signed-in").hidden = false;
  $("whoami").textContent = `Signed in as ${me.name} (${me.role}; ${me.scopes ? me.scopes.join(", ") : "whole corpus"}).`;
  $("workspace").hidden = false;
  $("upload-panel").hidden = me.role === "reader";
  $("keys-panel").hidden = me.role !== "admin";
  $("folders").replaceChildren(...(me.scopes || []).map((s) => el("option", { value: s })));
  if (me.scopes && me.scopes.length) $("folder").value = me.scopes[0];
  refreshDocuments();
  if (me.role === "admin") refreshKeys();
  stopWatching = watchBuild(showStatus);
}

function signOut() {
  setKey("");
  if (stopWatching) stopWatching();
  window.location.reload();
}

function init() {
  $("signin-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("key-input").value.trim()); });
  $("sign-out").addEventListener("click", signOut);
  $("key-form").addEventListener("submit", createKey);
  $("file-input").addEventListener("change", (e) => send(e.target.files[0]));
  const drop = $("drop");
  for (const name of ["dragenter", "dragover"]) drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
  for (const name of ["dragleave", "drop"]) drop.addEventListener(name, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); send(e.dataTransfer.files[0]); });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("file-input").click(); } });
  if (getKey()) signIn(getKey());
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
