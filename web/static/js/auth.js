// The key this tab signed in with (/manage), kept in sessionStorage only; the chat sends it too.
const KEY = "qa.key";

/** The stored key, or "" when signed out (or storage is unavailable). */
export function getKey() {
  try { return sessionStorage.getItem(KEY) || ""; } catch { return ""; }
}

/** Keep the key for this tab; "" signs out. */
export function setKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY, key);
    else sessionStorage.removeItem(KEY);
  } catch { /* storage unavailable: the key lives as long as the page */ }
}

/** Headers with Authorization when signed in. */
export function authHeaders(extra = {}) {
  const key = getKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}
