// t(key, params): the page's text for `key` ("a.b" walks nested tables) in the
// chosen language, with {name} placeholders filled. Chinese unless the address
// says ?lang=en; a key missing in English falls back to Chinese.
import zh from "./zh.js";
import en from "./en.js";

const lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh";
const tables = lang === "en" ? [en, zh] : [zh];

export const language = lang;

function lookup(table, key) {
  let v = table;
  for (const part of key.split(".")) {
    if (v == null || typeof v !== "object") return undefined;
    v = v[part];
  }
  return v;
}

export function t(key, params = {}) {
  let text;
  for (const table of tables) {
    text = lookup(table, key);
    if (text !== undefined) break;
  }
  if (text === undefined) return key;
  if (typeof text !== "string") return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}
