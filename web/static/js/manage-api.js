// The manage page's calls: documents, uploads (with progress), deletes, keys and the build's event stream.
import { authHeaders } from "./auth.js";

/** A readable Error from a failed response. */
async function failure(response) {
  const body = await response.json().catch(() => null);
  const detail = body && typeof body.detail === "string" ? body.detail : `the request failed (${response.status})`;
  const error = new Error(detail);
  error.status = response.status;
  return error;
}

/** GET/POST/DELETE a JSON endpoint with the key; resolves with the JSON body. */
export async function call(method, url, body) {
  const headers = authHeaders({ Accept: "application/json" });
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** Upload one file to a folder; onProgress(fraction) as it is sent. Resolves with the server's JSON. */
export function upload(file, folder, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("file", file, file.name);
    if (folder) form.append("folder", folder);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "api/documents");
    for (const [name, value] of Object.entries(authHeaders({ Accept: "application/json" }))) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.upload.addEventListener("load", () => onProgress(1));
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new Error((body && typeof body.detail === "string" && body.detail) || `upload failed (${xhr.status})`));
    });
    xhr.addEventListener("error", () => reject(new Error("Could not reach the server.")));
    xhr.send(form);
  });
}

/**
 * Follow api/index/events (server-sent events, read through fetch so the key can be sent): onStatus(status)
 * for each event; the stream ends after a build or a quiet while, and is opened again until stop() is called.
 */
export function watchBuild(onStatus) {
  let stopped = false;
  const controller = new AbortController();
  async function once() {
    const response = await fetch("api/index/events", { headers: authHeaders(), signal: controller.signal });
    if (!response.ok || !response.body) throw await failure(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const events = buffer.split("\n\n");
      buffer = events.pop();
      for (const event of events) {
        const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (data) onStatus(JSON.parse(data));
      }
    }
  }
  (async () => {
    while (!stopped) {
      try { await once(); } catch { if (stopped) return; }
      await new Promise((r) => window.setTimeout(r, 500));
    }
  })();
  return () => { stopped = true; controller.abort(); };
}
