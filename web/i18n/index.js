// t(key, params): the page's text for `key` in the chosen language, with
// {name} placeholders filled. The words come from the service's one message
// catalogue (i18n/messages/{zh,en}.txt, keys "web.*"), fetched once from
// GET /web/messages/{zh|en} before any page module runs (top-level await).
// Chinese unless the address says ?lang=en.
const lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh";

export const language = lang;

let table = {};
try {
  const r = await fetch("/web/messages/" + lang, { headers: { Accept: "application/json" } });
  if (r.ok) table = (await r.json()).messages || {};
} catch (e) {
  // Offline or the service is down: keys are shown, and the page says the
  // network failed where it calls the service.
}

// `key` itself if unknown; a key that names a group ("roles") gives the
// group's entries as an object.
export function t(key, params = {}) {
  let text = table[key];
  if (text === undefined) {
    const prefix = key + ".";
    const group = {};
    for (const [k, v] of Object.entries(table)) if (k.startsWith(prefix)) group[k.slice(prefix.length)] = v;
    return Object.keys(group).length ? group : key;
  }
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}
