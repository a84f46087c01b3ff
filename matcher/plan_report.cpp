#include "matcher/plan_report.h"

#include <cstdio>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace expertmatch {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}
void num(Writer& w, const char* key, double value) {
  w.Key(key);
  w.Double(value);
}
void integer(Writer& w, const char* key, int value) {
  w.Key(key);
  w.Int(value);
}
void boolean(Writer& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}

// `key`: an array of one object per item of `items`, its members written
// by `members(item)`.
template <typename Items, typename Members>
void object_array(Writer& w, const char* key, const Items& items, Members members) {
  w.Key(key);
  w.StartArray();
  for (const auto& item : items) {
    w.StartObject();
    members(item);
    w.EndObject();
  }
  w.EndArray();
}

void write_phrase(Writer& w, const PlanPhrase& p) {
  w.StartObject();
  str(w, "key", p.key);
  w.Key("args");
  w.StartObject();
  for (const auto& [name, value] : p.args) str(w, name.c_str(), value);
  for (const auto& [name, items] : p.lists) {
    w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartArray();
    for (const auto& item : items) write_phrase(w, item);
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
}

// `key` as text in `language`, and `key`_codes as the phrases it was made of.
void text(Writer& w, const std::string& key, const PlanText& value, i18n::Language language) {
  str(w, key.c_str(), render(value, language));
  const std::string codes = key + "_codes";
  w.Key(codes.c_str(), static_cast<rapidjson::SizeType>(codes.size()));
  w.StartArray();
  for (const auto& p : value) write_phrase(w, p);
  w.EndArray();
}

void write_plan(Writer& w, const WorkstationPlan& p, i18n::Language language) {
  w.StartObject();
  str(w, "county", p.county);
  text(w, "summary", p.summary, language);
  w.Key("options");
  w.StartObject();
  integer(w, "min_team_size", p.options.min_team_size);
  integer(w, "max_team_size", p.options.max_team_size);
  integer(w, "max_topics_per_enterprise", p.options.max_topics_per_enterprise);
  str(w, "county_policy", county_policy_name(p.options.county_policy));
  w.EndObject();
  w.Key("score");
  w.StartObject();
  num(w, "value", p.score.value);
  num(w, "key_topic_value", p.score.key_topic_value);
  num(w, "breadth", p.score.breadth);
  integer(w, "enterprises", p.score.enterprises);
  integer(w, "enterprises_with_topics", p.score.enterprises_with_topics);
  integer(w, "open_problems", p.score.open_problems);
  integer(w, "solvable_by_team", p.score.solvable_by_team);
  integer(w, "key_topics", p.score.key_topics);
  w.EndObject();
  object_array(w, "team", p.team, [&](const auto& m) {
    str(w, "expert_id", m.expert_id);
    str(w, "name", m.name);
    str(w, "title", m.title);
    str(w, "college", m.college);
    boolean(w, "stationed", m.stationed);
    boolean(w, "kept", m.kept);
    integer(w, "capacity", m.capacity);
    integer(w, "capacity_used_elsewhere", m.capacity_used_elsewhere);
    integer(w, "key_topics", m.key_topics);
    num(w, "gain", m.gain);
    text(w, "reason", m.reason, language);
    object_array(w, "can_solve", m.can_solve, [&](const auto& s) {
      str(w, "problem_id", s.problem_id);
      str(w, "title", s.title);
      str(w, "enterprise", s.enterprise);
      integer(w, "urgency", s.urgency);
      num(w, "score", s.score);
      boolean(w, "key_topic", s.key_topic);
    });
  });
  object_array(w, "key_topics", p.key_topics, [&](const auto& t) {
    str(w, "enterprise", t.enterprise);
    str(w, "problem_id", t.problem_id);
    str(w, "title", t.title);
    integer(w, "urgency", t.urgency);
    str(w, "expert_id", t.expert_id);
    str(w, "expert_name", t.expert_name);
    num(w, "score", t.score);
    str(w, "evidence", t.evidence);
    str(w, "evidence_kind", t.evidence.empty() ? "" : t.evidence_is_field ? "field" : "work");
    boolean(w, "kept", t.kept);
    boolean(w, "accepted", t.accepted);
    boolean(w, "awaits_city", t.awaits_city);
    text(w, "reason", t.reason, language);
  });
  object_array(w, "enterprises", p.enterprises, [&](const auto& e) {
    str(w, "enterprise", e.enterprise);
    integer(w, "open_problems", e.open_problems);
    integer(w, "solvable_by_team", e.solvable_by_team);
    integer(w, "key_topics", e.key_topics);
    text(w, "reason", e.reason, language);
  });
  object_array(w, "uncovered", p.uncovered, [&](const auto& u) {
    str(w, "problem_id", u.problem_id);
    str(w, "title", u.title);
    str(w, "enterprise", u.enterprise);
    integer(w, "urgency", u.urgency);
    text(w, "reason", u.reason, language);
  });
  object_array(w, "diagnoses", p.diagnoses, [&](const auto& d) {
    str(w, "kind", diagnosis_kind_name(d.kind));
    str(w, "subject", d.subject);
    text(w, "message", d.message, language);
  });
  w.EndObject();
}

std::string format(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// A phrase read back from its JSON form; false if `v` is not one.
bool read_phrase(const rapidjson::Value& v, PlanPhrase* out) {
  if (!v.IsObject()) return false;
  auto key = v.FindMember("key");
  auto args = v.FindMember("args");
  if (key == v.MemberEnd() || !key->value.IsString() || args == v.MemberEnd() ||
      !args->value.IsObject())
    return false;
  out->key = key->value.GetString();
  for (const auto& a : args->value.GetObject()) {
    std::string name(a.name.GetString(), a.name.GetStringLength());
    if (a.value.IsString()) {
      out->args.emplace_back(name, std::string(a.value.GetString(), a.value.GetStringLength()));
    } else if (a.value.IsArray()) {
      std::vector<PlanPhrase> items;
      for (const auto& item : a.value.GetArray()) {
        PlanPhrase p;
        if (!read_phrase(item, &p)) return false;
        items.push_back(std::move(p));
      }
      out->lists.emplace_back(std::move(name), std::move(items));
    } else {
      return false;
    }
  }
  return true;
}

// Every "X_codes" member of `v` and its descendants re-rendered into "X".
void localize(rapidjson::Value& v, rapidjson::Document::AllocatorType& a, i18n::Language language) {
  if (v.IsArray()) {
    for (auto& item : v.GetArray()) localize(item, a, language);
    return;
  }
  if (!v.IsObject()) return;
  for (auto& m : v.GetObject()) localize(m.value, a, language);
  for (auto& m : v.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (name.size() <= 6 || name.compare(name.size() - 6, 6, "_codes") != 0 || !m.value.IsArray())
      continue;
    PlanText text;
    bool ok = true;
    for (const auto& p : m.value.GetArray()) {
      PlanPhrase phrase;
      ok = ok && read_phrase(p, &phrase);
      text.push_back(std::move(phrase));
    }
    auto target = v.FindMember(name.substr(0, name.size() - 6).c_str());
    if (!ok || target == v.MemberEnd()) continue;
    std::string rendered = render(text, language);
    target->value.SetString(rendered.c_str(), static_cast<rapidjson::SizeType>(rendered.size()), a);
  }
}

}  // namespace

std::string render(const PlanPhrase& phrase, i18n::Language language) {
  i18n::Message m{phrase.key, phrase.args};
  const std::string sep = i18n::tr(language, {"planner.list_separator"});
  for (const auto& [name, items] : phrase.lists) {
    std::string joined;
    for (size_t i = 0; i < items.size(); ++i)
      joined += (i ? sep : std::string()) + render(items[i], language);
    m.args.emplace_back(name, std::move(joined));
  }
  return i18n::tr(language, m);
}

std::string render(const PlanText& text, i18n::Language language) {
  const std::string sep = i18n::tr(language, {"planner.clause_separator"});
  std::string out;
  for (size_t i = 0; i < text.size(); ++i)
    out += (i ? sep : std::string()) + render(text[i], language);
  return out;
}

std::string plan_status_text(const std::string& status, i18n::Language language) {
  std::string key = "planner.status." + status;
  return i18n::Catalogue::builtin().has(language, key) ? i18n::tr(language, {key}) : status;
}

std::string localize_plan_json(const std::string& plan_json, i18n::Language language) {
  rapidjson::Document d;
  // Full precision: numbers are written back exactly as plan_to_json wrote them.
  d.Parse<rapidjson::kParseFullPrecisionFlag>(plan_json.c_str(), plan_json.size());
  if (d.HasParseError()) return plan_json;
  localize(d, d.GetAllocator(), language);
  rapidjson::StringBuffer buf;
  Writer w(buf);
  d.Accept(w);
  return buf.GetString();
}

std::string plan_to_json(const WorkstationPlan& plan, i18n::Language language) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_plan(w, plan, language);
  return buf.GetString();
}

std::string city_plan_to_json(const CityPlan& plan, i18n::Language language) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("counties");
  w.StartArray();
  for (const auto& p : plan.counties) write_plan(w, p, language);
  w.EndArray();
  w.Key("topics_per_expert");
  w.StartObject();
  for (const auto& [id, n] : plan.topics_per_expert) {
    w.Key(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
    w.Int(n);
  }
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

std::string plan_to_text(const WorkstationPlan& p, i18n::Language language) {
  auto tr = [language](const char* key,
                       std::vector<std::pair<std::string, std::string>> args = {}) {
    return i18n::tr(language, {key, std::move(args)});
  };
  std::string out =
      tr("report.plan_title", {{"county", p.county}}) + "\n" + render(p.summary, language) + "\n";
  // A heading after a blank line (appended piecewise: GCC 12's -Wrestrict misfires
  // on "\n" + std::string temporaries).
  auto heading = [&out](const std::string& text) {
    out += '\n';
    out += text;
    out += '\n';
  };
  heading(tr("report.team", {{"n", std::to_string(p.team.size())}}));
  int i = 0;
  for (const auto& m : p.team) {
    out += "  " + tr("report.member", {{"rank", std::to_string(++i)},
                                       {"name", m.name},
                                       {"id", m.expert_id},
                                       {"college", m.college},
                                       {"title", m.title},
                                       {"capacity", std::to_string(m.capacity)},
                                       {"topics", std::to_string(m.key_topics)}});
    out += (m.kept ? tr("report.member_kept") : std::string()) + "\n";
    out += "     " + tr("report.why", {{"reason", render(m.reason, language)}}) + "\n";
  }
  heading(tr("report.key_topics", {{"n", std::to_string(p.key_topics.size())}}));
  std::string last;
  for (const auto& t : p.key_topics) {
    if (t.enterprise != last) out += "  " + t.enterprise + "\n";
    last = t.enterprise;
    out += "    - " + tr("report.topic", {{"id", t.problem_id},
                                          {"title", t.title},
                                          {"urgency", std::to_string(t.urgency)},
                                          {"expert", t.expert_name},
                                          {"expert_id", t.expert_id},
                                          {"score", format("%.2f", t.score)}});
    out += (t.kept ? tr("report.topic_kept") : std::string()) +
           (t.accepted ? tr("report.topic_accepted") : std::string()) + "\n";
    out += "      " + tr("report.why", {{"reason", render(t.reason, language)}}) + "\n";
  }
  bool header = false;
  for (const auto& e : p.enterprises) {
    if (e.key_topics > 0) continue;
    if (!header) heading(tr("report.no_topic"));
    header = true;
    out += "  " +
           tr("planner.diagnosis.about",
              {{"subject", e.enterprise}, {"reason", render(e.reason, language)}}) +
           "\n";
  }
  if (!p.uncovered.empty()) {
    heading(tr("report.uncovered", {{"n", std::to_string(p.uncovered.size())}}));
    for (const auto& u : p.uncovered)
      out += "  " +
             tr("report.uncovered_item", {{"id", u.problem_id},
                                          {"title", u.title},
                                          {"enterprise", u.enterprise},
                                          {"urgency", std::to_string(u.urgency)},
                                          {"reason", render(u.reason, language)}}) +
             "\n";
  }
  if (!p.diagnoses.empty()) {
    heading(tr("report.diagnoses"));
    for (const auto& d : p.diagnoses)
      out += "  [" + tr(("planner.kind." + std::string(diagnosis_kind_name(d.kind))).c_str()) +
             "] " + render(d.message, language) + "\n";
  }
  heading(tr("report.objective", {{"value", format("%.1f", p.score.value)},
                                  {"topics", format("%.1f", p.score.key_topic_value)},
                                  {"breadth", format("%.2f", p.score.breadth)}}));
  return out;
}

std::string city_plan_to_text(const CityPlan& plan, i18n::Language language) {
  std::string out;
  for (const auto& p : plan.counties) out += plan_to_text(p, language) + "\n";
  out += i18n::tr(language, {"report.city_topics"});
  int i = 0;
  for (const auto& [id, n] : plan.topics_per_expert)
    out += (i++ % 8 == 0 ? "\n  " : "  ") + id + ": " + std::to_string(n);
  out += "\n";
  return out;
}

namespace {

std::string text_of(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

Cell number_of(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsNumber()) return Cell("");
  if (it->value.IsInt()) return Cell(it->value.GetInt());
  return Cell(it->value.GetDouble());
}

bool flag(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

const rapidjson::Value* array_of(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

}  // namespace

Result<std::vector<Sheet>> plan_sheets(
    const std::string& plan_json, const std::string& status, i18n::Language language,
    const std::map<std::pair<std::string, std::string>, std::string>& attention) {
  rapidjson::Document d;
  const std::string localized = localize_plan_json(plan_json, language);
  d.Parse(localized.c_str(), localized.size());
  if (d.HasParseError() || !d.IsObject() || !array_of(d, "team") || !array_of(d, "key_topics"))
    return Status(ErrorCode::kCorruption, "the stored plan is not a plan's JSON");
  auto tr = [language](const char* key) { return i18n::tr(language, {key}); };
  auto yes_no = [&](const rapidjson::Value& obj, const char* key) {
    return Cell(tr(flag(obj, key) ? "planner.yes" : "planner.no"));
  };
  std::vector<Sheet> out;
  out.push_back(
      Sheet{tr("planner.sheet.summary"),
            {tr("planner.col.county"), tr("planner.col.status"), tr("planner.col.summary")},
            {{Cell(text_of(d, "county")), Cell(plan_status_text(status, language)),
              Cell(text_of(d, "summary"))}}});
  for (const auto& [topic, text] : attention)
    out.back().rows.push_back({Cell(""), Cell(tr("planner.col.attention")), Cell(text)});
  Sheet team{tr("planner.sheet.team"),
             {tr("planner.col.rank"), tr("planner.col.expert_id"), tr("planner.col.name"),
              tr("planner.col.college"), tr("planner.col.title"), tr("planner.col.stationed"),
              tr("planner.col.kept"), tr("planner.col.capacity"), tr("planner.col.topic_count"),
              tr("planner.col.member_reason")},
             {}};
  int i = 0;
  for (const auto& m : array_of(d, "team")->GetArray())
    team.rows.push_back({Cell(++i), Cell(text_of(m, "expert_id")), Cell(text_of(m, "name")),
                         Cell(text_of(m, "college")), Cell(text_of(m, "title")),
                         yes_no(m, "stationed"), yes_no(m, "kept"), number_of(m, "capacity"),
                         number_of(m, "key_topics"), Cell(text_of(m, "reason"))});
  out.push_back(std::move(team));
  Sheet topics{
      tr("planner.sheet.topics"),
      {tr("planner.col.enterprise"), tr("planner.col.problem_id"), tr("planner.col.problem"),
       tr("planner.col.urgency"), tr("planner.col.expert"), tr("planner.col.expert_id"),
       tr("planner.col.score"), tr("planner.col.evidence"), tr("planner.col.reason")},
      {}};
  if (!attention.empty()) topics.header.push_back(tr("planner.col.attention"));
  for (const auto& t : array_of(d, "key_topics")->GetArray()) {
    topics.rows.push_back(
        {Cell(text_of(t, "enterprise")), Cell(text_of(t, "problem_id")), Cell(text_of(t, "title")),
         number_of(t, "urgency"), Cell(text_of(t, "expert_name")), Cell(text_of(t, "expert_id")),
         number_of(t, "score"), Cell(text_of(t, "evidence")), Cell(text_of(t, "reason"))});
    if (attention.empty()) continue;
    auto mark = attention.find({text_of(t, "problem_id"), text_of(t, "expert_id")});
    topics.rows.back().push_back(Cell(mark == attention.end() ? "" : mark->second));
  }
  out.push_back(std::move(topics));
  Sheet uncovered{
      tr("planner.sheet.uncovered"),
      {tr("planner.col.problem_id"), tr("planner.col.enterprise"), tr("planner.col.problem"),
       tr("planner.col.urgency"), tr("planner.col.uncovered_reason")},
      {}};
  if (const auto* list = array_of(d, "uncovered"))
    for (const auto& u : list->GetArray())
      uncovered.rows.push_back({Cell(text_of(u, "problem_id")), Cell(text_of(u, "enterprise")),
                                Cell(text_of(u, "title")), number_of(u, "urgency"),
                                Cell(text_of(u, "reason"))});
  out.push_back(std::move(uncovered));
  return out;
}

}  // namespace expertmatch
