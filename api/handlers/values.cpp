#include "api/handlers/values.h"

#include <algorithm>

#include "corpus/exchange_format.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

// Every field, even empty: what GET shows is a whole record that PUT takes
// back unchanged (the exchange format's writer leaves empty fields out).
void add_if_absent(Value& v, const char* name, Value value, Alloc& a) {
  if (!v.HasMember(name)) v.AddMember(rapidjson::StringRef(name), value, a);
}

}  // namespace

Value problem_value(const Problem& p, Alloc& a) {
  Value v;
  to_json_value(p, &v, a);
  if (!v.HasMember("status")) v.AddMember("status", str(problem_status_name(p.status), a), a);
  add_if_absent(v, "industry", Value(""), a);
  add_if_absent(v, "keywords", Value(rapidjson::kArrayType), a);
  add_if_absent(v, "submitted", Value(rapidjson::kNullType), a);
  // The store's confirmation, in place of an unknown field of that name an
  // imported record may carry.
  v.RemoveMember("verified");
  v.AddMember("verified", p.verified, a);
  return v;
}

Value expert_value(const Expert& e, Alloc& a) {
  Value v;
  to_json_value(e, &v, a);
  for (const char* text : {"organization", "college", "title", "bio"})
    add_if_absent(v, text, Value(""), a);
  add_if_absent(v, "birth_year", Value(rapidjson::kNullType), a);
  for (const char* list : {"fields", "works", "counties", "conflicts"})
    add_if_absent(v, list, Value(rapidjson::kArrayType), a);
  // The store's confirmation, in place of an unknown field of that name an
  // imported record may carry.
  v.RemoveMember("verified");
  v.AddMember("verified", e.verified, a);
  return v;
}

Value changes_value(const std::string& id, bool verified, const Value& current,
                    const Value* confirmed, const std::vector<std::string_view>& skipped,
                    Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", str(id, a), a);
  v.AddMember("verified", verified, a);
  v.AddMember("confirmed_version_kept", confirmed != nullptr, a);  // before the fallback below
  Value changes(rapidjson::kArrayType);
  const Value nothing(rapidjson::kObjectType);
  auto compare = [&](const Value& name) {
    const std::string_view field(name.GetString(), name.GetStringLength());
    if (std::find(skipped.begin(), skipped.end(), field) != skipped.end()) return;
    const Value null_value;
    auto now = current.FindMember(name);
    auto then = confirmed->FindMember(name);
    const Value& now_value = now == current.MemberEnd() ? null_value : now->value;
    const Value& then_value = then == confirmed->MemberEnd() ? null_value : then->value;
    if (now_value == then_value) return;
    // A new record's empty fields are nothing to judge.
    const bool blank = now_value.IsNull() ||
                       (now_value.IsString() && !now_value.GetStringLength()) ||
                       (now_value.IsArray() && now_value.Empty());
    if (confirmed == &nothing && blank) return;
    Value change(rapidjson::kObjectType);
    change.AddMember("field", Value(name, a), a);
    change.AddMember("confirmed", Value(then_value, a), a);
    change.AddMember("current", Value(now_value, a), a);
    changes.PushBack(change, a);
  };
  // A record the city never confirmed: every field that awaits it is new
  // (a new user's trial: 查看改动 on a new record showed nothing to judge).
  if (!confirmed && !verified) confirmed = &nothing;
  if (confirmed) {
    for (const auto& m : current.GetObject()) compare(m.name);
    for (const auto& m : confirmed->GetObject())
      if (!current.HasMember(m.name)) compare(m.name);
  }
  v.AddMember("changes", changes, a);
  return v;
}

Value components_value(const ComponentScores& c, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("dense", c.dense, a);
  v.AddMember("lexical", c.lexical, a);
  v.AddMember("profile", c.profile, a);
  return v;
}

Value works_value(const std::vector<WorkEvidence>& works, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const auto& w : works) {
    Value v(rapidjson::kObjectType);
    v.AddMember("index", w.work_index, a);
    v.AddMember("title", str(w.title, a), a);
    v.AddMember("kind", str(w.kind, a), a);
    v.AddMember("similarity", w.similarity, a);
    arr.PushBack(v, a);
  }
  return arr;
}

namespace {

// [[begin, end], ...]: a term's spans in the text (bytes or UTF-16 units).
Value spans_value(const std::vector<std::pair<uint32_t, uint32_t>>& spans, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (auto [b, e] : spans) {
    Value pair(rapidjson::kArrayType);
    pair.PushBack(b, a).PushBack(e, a);
    arr.PushBack(pair, a);
  }
  return arr;
}

}  // namespace

Value terms_value(const std::vector<TermEvidence>& terms, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const auto& t : terms) {
    Value v(rapidjson::kObjectType);
    v.AddMember("term", str(t.term, a), a);
    v.AddMember("field", str(t.field, a), a);
    v.AddMember("positions", spans_value(t.positions, a), a);
    v.AddMember("utf16_positions", spans_value(t.utf16_positions, a), a);
    v.AddMember("weight", t.weight, a);
    arr.PushBack(v, a);
  }
  return arr;
}

namespace {

// A match in either direction (ExpertMatch, ProblemMatch): the matched
// record's id and name, then the evidence both kinds carry, in one order;
// matched_fields only where the match has them (an expert's).
template <typename Match>
Value match_value(const char* id_key, const std::string& id, const char* name_key,
                  const std::string& name, const Match& m, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember(rapidjson::StringRef(id_key), str(id, a), a);
  v.AddMember(rapidjson::StringRef(name_key), str(name, a), a);
  v.AddMember("score", m.score, a);
  v.AddMember("confidence", m.confidence, a);
  v.AddMember("good_match", m.good_match, a);
  v.AddMember("components", components_value(m.components, a), a);
  v.AddMember("works", works_value(m.works, a), a);
  if constexpr (requires { m.matched_fields; })
    v.AddMember("matched_fields", strings(m.matched_fields, a), a);
  v.AddMember("terms", terms_value(m.terms, a), a);
  v.AddMember("informative_terms", m.informative_terms, a);
  return v;
}

}  // namespace

Value expert_match_value(const ExpertMatch& m, Alloc& a) {
  return match_value("expert_id", m.expert_id, "name", m.expert_name, m, a);
}

Value problem_match_value(const ProblemMatch& m, Alloc& a) {
  return match_value("problem_id", m.problem_id, "title", m.title, m, a);
}

Value review_value(const Review& r, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", static_cast<int64_t>(r.id), a);
  v.AddMember("problem_id", str(r.problem_id, a), a);
  v.AddMember("expert_id", str(r.expert_id, a), a);
  v.AddMember("decision", str(r.decision, a), a);
  v.AddMember("note", str(r.note, a), a);
  v.AddMember("reviewer", str(r.reviewer, a), a);
  v.AddMember("created_at", str(r.created_at, a), a);
  v.AddMember("override", r.capacity_override, a);
  return v;
}

Value transition_value(const ProblemTransition& t, i18n::Language language, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("from", str(problem_status_name(t.change.from), a), a);
  v.AddMember("to", str(problem_status_name(t.change.to), a), a);
  v.AddMember("by", str(t.change.by, a), a);
  v.AddMember("at", str(t.at, a), a);
  // A note the service wrote is a catalogue message: in the reader's language.
  v.AddMember("note", str(i18n::render_stored(language, t.change.note), a), a);
  v.AddMember("outcome", str(t.change.outcome, a), a);
  return v;
}

}  // namespace expertmatch::api::handlers
