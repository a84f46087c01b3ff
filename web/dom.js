// Small DOM helpers: h() builds elements from a tag, attributes and children,
// always as text nodes (never innerHTML of data), so nothing a record holds can
// become markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// A polite live region message (progress, results) or an assertive one (errors).
export function announce(text, assertive = false) {
  const region = document.getElementById(assertive ? "live-alert" : "live-status");
  if (!region) return;
  region.textContent = "";
  // A fresh text node so screen readers read it even when it repeats.
  setTimeout(() => { region.textContent = text; }, 30);
}

export function fmtDate(s) {
  if (!s) return "";
  return String(s).replace("T", " ").replace(/\.\d+Z$|Z$/, "").slice(0, 16);
}
