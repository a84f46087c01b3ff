// What several roles' pages share: the county list and reading a problem's
// matches and history.
import { get } from "../api.js";

// Quzhou's six counties and 衢州智造新城: the service's default list, used
// when GET /api/v1/counties is not there.
const FALLBACK_COUNTIES = ["柯城区", "衢江区", "龙游县", "江山市", "常山县", "开化县", "衢州智造新城"];

export async function counties() {
  const r = await get("/api/v1/counties");
  if (r.ok && r.data && Array.isArray(r.data.items)) return r.data.items.map((c) => c.name || c);
  return FALLBACK_COUNTIES;
}

// The county of a scope: "柯城区" or "柯城区/ws-1".
export function countyOf(who) { return (who.scope || "").split("/")[0]; }

export function byNewest(a, b) {
  return String(b.submitted || "").localeCompare(String(a.submitted || "")) || String(b.id).localeCompare(String(a.id));
}
