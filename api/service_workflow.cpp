// The workstation's workflow behind the API (issue 12): the capacity ledger,
// coordinators' reviews and their queue, a problem's life, and workstation
// plans. Decisions made here are facts every later view and plan respects.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "api/service.h"
#include "api/service_internal.h"
#include "corpus/names.h"
#include "matcher/plan_report.h"

namespace expertmatch::api {
using namespace internal;

namespace {

Status no_plan(long long id) {
  return Status(ErrorCode::kNotFound, {"plan.not_found", {{"id", std::to_string(id)}}});
}

// A note of spaces says nothing: it counts as missing.
bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string score_text(float s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

// (problem, expert) -> "key topic of plan N (county)", for every approved plan.
Result<std::map<std::pair<std::string, std::string>, i18n::Message>> approved_topics(
    PlanStore& plans) {
  auto all = plans.list("", PlanFilter{PlanStatus::kApproved, false});
  if (!all) return all.status();
  std::map<std::pair<std::string, std::string>, i18n::Message> out;
  for (const auto& r : *all) {
    for (const auto& t : r.topics)
      out[t] = {"capacity.plan_topic", {{"plan", std::to_string(r.id)}, {"county", r.county}}};
  }
  return out;
}

}  // namespace

Status Service::reload_approved_topics() {
  auto topics = approved_topics(*plans_);
  if (!topics) return topics.status();
  auto lock = lock_for_write();
  approved_topics_ = std::move(*topics);
  return Status::ok();
}

// ---- the capacity ledger ---------------------------------------------------

std::vector<std::pair<std::string, std::string>> Service::accepted_pairs_locked(
    const std::string& except_problem) const {
  // The same pairs as the CLI's plans (accepted_matches, matcher/plan_service.h).
  auto out = accepted_matches(latest_, [&](const std::string& id) -> const Problem* {
    if (id == except_problem) return nullptr;
    auto p = problems_.find(id);
    return p == problems_.end() ? nullptr : p->second.record.get();
  });
  return out;
}

PairState Service::pair_state_locked(const std::string& problem_id,
                                     const std::string& expert_id) const {
  auto it = latest_.find({problem_id, expert_id});
  if (it == latest_.end()) return PairState::kNone;
  return it->second.decision == "accept" ? PairState::kAccepted : PairState::kRejected;
}

std::vector<std::pair<std::string, std::string>> Service::rejected_pairs_locked() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [pair, review] : latest_)
    if (review.decision == "reject") out.push_back(pair);
  return out;
}

std::map<std::string, std::map<std::string, i18n::Message>> Service::engagements_locked() const {
  std::map<std::string, std::map<std::string, i18n::Message>> out;
  for (const auto& [problem, expert] : accepted_pairs_locked(""))
    out[expert][problem] = "capacity.accepted_match";
  for (const auto& [pair, what] : approved_topics_) {
    auto p = problems_.find(pair.first);
    if (p == problems_.end() || !is_open(p->second->status)) continue;
    // A pair rejected since the plan's approval no longer holds the expert.
    if (pair_state_locked(pair.first, pair.second) == PairState::kRejected) continue;
    out[pair.second].emplace(pair.first, what);  // an accepted topic counts once
  }
  return out;
}

std::map<std::string, int> Service::used_capacity_locked(const std::string& except_problem) const {
  std::map<std::string, int> used;
  for (const auto& [expert, problems] : engagements_locked())
    for (const auto& [problem, what] : problems)
      if (problem != except_problem) ++used[expert];
  return used;
}

int Service::remaining_capacity_locked(const Expert& e) const {
  auto all = engagements_locked();
  auto it = all.find(e.id);
  int used = it == all.end() ? 0 : static_cast<int>(it->second.size());
  return std::max(0, e.capacity - used);
}

std::vector<std::string> Service::workers_locked(const std::string& problem_id) const {
  std::vector<std::string> out;
  for (auto it = latest_.lower_bound({problem_id, ""});
       it != latest_.end() && it->first.first == problem_id; ++it)
    if (it->second.decision == "accept") out.push_back(it->first.second);
  // A key topic's leader works on it until a coordinator rejects the pair
  // (then the plan asks the county to reassign it: plan_attention).
  for (auto it = approved_topics_.lower_bound({problem_id, ""});
       it != approved_topics_.end() && it->first.first == problem_id; ++it)
    if (pair_state_locked(problem_id, it->first.second) == PairState::kNone)
      out.push_back(it->first.second);
  return out;
}

Result<std::vector<ExpertMatch>> Service::ranked_for_problem_locked(const Problem& p, int k,
                                                                    int* rejected_excluded) const {
  MatchFilters filters;
  filters.require_capacity = true;
  filters.used_capacity = used_capacity_locked(p.id);
  std::set<std::string> accepted;
  for (const auto& [pair, review] : latest_) {
    if (pair.first != p.id) continue;
    if (review.decision == "reject") filters.exclude_experts.insert(pair.second);
    if (review.decision == "accept") {
      accepted.insert(pair.second);
      // Already holding this problem: capacity cannot keep them out of its view.
      filters.used_capacity.erase(pair.second);
    }
  }
  if (rejected_excluded) {
    *rejected_excluded = 0;
    for (const auto& id : filters.exclude_experts) *rejected_excluded += experts_.count(id) > 0;
  }
  const Matcher& matcher = *matcher_;
  int want = k < 0 ? -1 : k + static_cast<int>(accepted.size());
  auto ranked = matcher.rank_experts(p, filters, want);
  if (!ranked) return ranked.status();
  auto shown = [&](const std::vector<ExpertMatch>& v) {
    size_t n = 0;
    for (const auto& m : v) n += accepted.count(m.expert_id);
    return n;
  };
  // An accepted expert ranked below the top (e.g. accepted although not a
  // good match) is still first in every view: rank only the accepted ones
  // (the same scores: filters apply after scoring) and add those missing.
  if (want >= 0 && shown(*ranked) < accepted.size()) {
    MatchFilters only = filters;
    for (const auto& [id, e] : experts_)
      if (!accepted.count(id)) only.exclude_experts.insert(id);
    auto mine = matcher.rank_experts(p, only, -1);
    if (!mine) return mine.status();
    for (auto& m : *mine)
      if (std::none_of(ranked->begin(), ranked->end(),
                       [&](const ExpertMatch& r) { return r.expert_id == m.expert_id; }))
        ranked->push_back(std::move(m));
  }
  std::stable_partition(ranked->begin(), ranked->end(),
                        [&](const ExpertMatch& m) { return accepted.count(m.expert_id) > 0; });
  if (k >= 0 && static_cast<int>(ranked->size()) > k) {
    size_t keep = std::max<size_t>(k, shown(*ranked));
    ranked->resize(std::min(keep, ranked->size()));
  }
  return ranked;
}

Result<std::optional<NoGoodMatch>> Service::why_no_good_match_locked(
    const Problem& p, const std::vector<ExpertMatch>& shown) const {
  if (std::any_of(shown.begin(), shown.end(), [](const ExpertMatch& m) { return m.good_match; }))
    return std::optional<NoGoodMatch>();
  auto coverage = matcher_->coverage(p);
  if (!coverage) return coverage.status();
  // Covered: good matches exist among the experts who may take it, yet none
  // is shown: each has no capacity left or was rejected for this problem.
  if (*coverage == ProblemCoverage::kCovered)
    return std::optional<NoGoodMatch>(NoGoodMatch{"busy", i18n::Message("matches.none_busy")});
  const std::string reason = coverage_name(*coverage);
  return std::optional<NoGoodMatch>(
      NoGoodMatch{reason, i18n::Message("planner.uncovered." + reason)});
}

Result<ProblemMatches> Service::problem_matches(const Principal& who, const std::string& problem_id,
                                                int k) {
  std::shared_lock lock(mu_);
  auto p = visible_problem_locked(who, problem_id);
  if (!p) return p.status();
  if (!is_open(p->status))
    return Status(ErrorCode::kConflict,
                  {"problem.closed_no_matches",
                   {{"id", problem_id}, {"status", problem_status_name(p->status)}}});
  if (!index_) return Status(ErrorCode::kUnavailable, i18n::Message("index.not_ready"));
  ProblemMatches out;
  out.problem = *p;
  // The same stored problem asked again before any write: the same answer.
  const std::pair<std::string, int> key{problem_id, k};
  bool cached = false;
  {
    std::lock_guard cache(rankings_mu_);
    if (auto it = rankings_.find(key); it != rankings_.end()) {
      out.matches = it->second.matches;
      out.rejected_excluded = it->second.rejected_excluded;
      out.no_good_match = it->second.no_good_match;
      cached = true;
    }
  }
  if (!cached) {
    auto ranked = ranked_for_problem_locked(*p, k, &out.rejected_excluded);
    if (!ranked) return ranked.status();
    out.matches = std::move(*ranked);
    auto why = why_no_good_match_locked(*p, out.matches);
    if (!why) return why.status();
    out.no_good_match = std::move(*why);
    std::lock_guard cache(rankings_mu_);
    if (rankings_.size() >= kCachedRankings) rankings_.clear();
    rankings_[key] = {out.matches, out.rejected_excluded, out.no_good_match};
  }
  for (const auto& m : out.matches) {
    out.states[m.expert_id] = pair_state_locked(problem_id, m.expert_id);
    auto e = experts_.find(m.expert_id);
    out.remaining[m.expert_id] = e == experts_.end() ? 0 : remaining_capacity_locked(e->second);
  }
  return out;
}

// ---- reviews ---------------------------------------------------------------

Result<Review> Service::add_review(const Principal& who, const std::string& problem_id,
                                   const std::string& expert_id, const std::string& decision,
                                   const std::string& note, bool capacity_override,
                                   bool* recorded) {
  if (recorded) *recorded = true;
  if (who.role != Role::kAdmin && who.role != Role::kCoordinator)
    return forbidden("access.coordinator_reviews");
  auto writer = writer_for(who);
  if (!writer) return writer.status();
  Review r;
  std::optional<StatusChange> change;
  std::string override_log;
  {
    std::shared_lock lock(mu_);
    auto p = visible_problem_locked(who, problem_id);
    if (!p) return p.status();
    if (decision != "accept" && decision != "reject")
      return field_error("decision", {"review.decision_got", {{"value", decision}}});
    auto e = experts_.find(expert_id);
    if (e == experts_.end())
      return field_error("expert_id", {"expert.not_found", {{"id", expert_id}}});
    const Expert& x = e->second;
    const std::string who_x = x.name + " (" + x.id + ")";
    const std::vector<std::pair<std::string, std::string>> expert_args = {{"name", x.name},
                                                                          {"expert_id", x.id}};
    if (!is_open(p->status))
      return Status(ErrorCode::kConflict,
                    {"problem.closed_no_reviews",
                     {{"id", problem_id}, {"status", problem_status_name(p->status)}}});
    if (decision == "reject" && blank(note))
      return field_error("note", {"review.reject_needs_note", expert_args});
    PairState current = pair_state_locked(problem_id, expert_id);
    // The decision already in force records nothing: a repeated acceptance
    // would have dropped the override mark of the one in force (its capacity
    // then no longer yielded to other counties' key topics) and made every
    // draft holding the expert stale (attack trial 15).
    if ((decision == "accept" && current == PairState::kAccepted) ||
        (decision == "reject" && current == PairState::kRejected)) {
      if (recorded) *recorded = false;
      return latest_.at({problem_id, expert_id});
    }
    if (decision == "accept" && current != PairState::kAccepted) {
      // Hard constraints first: no override lifts them.
      MatchFilters hard;
      i18n::Message why;
      if (index_)
        why = matcher_->exclusion_message(x, *p, hard);
      else if (!x.available)
        why = "exclusion.unavailable";
      // An acceptance takes the expert's capacity city-wide: one stationed
      // elsewhere is accepted for a problem the city has confirmed (as a
      // plan's key topic is: the planner's may_lead, attack trial 12), or by
      // the city itself.
      if (why.empty() && who.role != Role::kAdmin && !may_lead_for(x, *p, p->county))
        why = "exclusion.awaits_city";
      // A county decides freely over the experts stationed with it; one
      // stationed elsewhere it accepts only where the ranking finds a good
      // match and capacity is left. Else the city decides: a coordinator's
      // note or override took any expert's capacity from every other county
      // (attack trial 14: nine acceptances changed 158 other problems' top
      // ten, 30 of them lost every good match).
      const bool outside = who.role != Role::kAdmin && !contains_name(x.counties, p->county);
      if (why.empty() && outside && !index_)
        return Status(ErrorCode::kUnavailable, i18n::Message("index.not_ready"));
      if (!why.empty())
        return Status(
            ErrorCode::kConflict,
            i18n::Message("review.cannot_accept", {{"name", x.name}, {"expert_id", expert_id}})
                .with("reason", std::move(why)));
      if (index_ && (blank(note) || outside)) {
        auto all = matcher_->rank_experts(*p, hard, -1);
        if (!all) return all.status();
        auto m = std::find_if(all->begin(), all->end(),
                              [&](const ExpertMatch& m) { return m.expert_id == expert_id; });
        const bool good = m != all->end() && m->good_match;
        const std::string score = m == all->end() ? "-" : score_text(m->score);
        if (!good && outside)
          return Status(
              ErrorCode::kConflict,
              i18n::Message("review.cannot_accept", {{"name", x.name}, {"expert_id", expert_id}})
                  .with("reason", i18n::Message("review.outside_not_good_match",
                                                {{"name", x.name}, {"score", score}})));
        if (!good)
          return field_error("note", {"review.accept_needs_note",
                                      {{"name", x.name},
                                       {"expert_id", x.id},
                                       {"problem_id", problem_id},
                                       {"score", score}}});
      }
      auto held = engagements_locked()[expert_id];
      held.erase(problem_id);
      if (static_cast<int>(held.size()) >= x.capacity) {
        // Each engagement is named only to a caller who may see its problem;
        // the others are counted (the expert's load is city-wide, the
        // problems behind it are not the caller's to learn).
        std::vector<i18n::Message> what;
        size_t hidden = 0;
        for (const auto& [problem, how] : held) {
          auto seen = problems_.find(problem);
          if (seen == problems_.end() || !can_see_problem(who, *seen->second)) {
            ++hidden;
            continue;
          }
          what.push_back(
              i18n::Message("capacity.held_item", {{"problem", problem}}).with("how", how));
        }
        if (hidden > 0)
          what.push_back(i18n::Message("capacity.held_hidden", {{"n", std::to_string(hidden)}}));
        i18n::Message reason =
            i18n::Message("capacity.full", {{"name", x.name},
                                            {"expert_id", x.id},
                                            {"capacity", std::to_string(x.capacity)},
                                            {"held", std::to_string(held.size())}})
                .with("items", i18n::join(std::move(what)));
        if (outside)
          return Status(
              ErrorCode::kConflict,
              i18n::Message("review.cannot_accept", {{"name", x.name}, {"expert_id", expert_id}})
                  .with("reason", i18n::Message("review.outside_over_capacity")
                                      .with("capacity", std::move(reason))));
        if (!capacity_override)
          return Status(
              ErrorCode::kConflict,
              i18n::Message("review.over_capacity", {{"name", x.name}, {"expert_id", expert_id}})
                  .with("reason", reason));
        r.capacity_override = true;
        override_log = who.describe() + " accepted " + expert_id + " for " + problem_id +
                       " beyond capacity: " + i18n::tr(i18n::Language::kEn, reason);
      }
      if (p->status == ProblemStatus::kSubmitted)
        change = StatusChange{problem_id,
                              p->status,
                              ProblemStatus::kMatched,
                              who.describe(),
                              i18n::to_stored({"transition.note_accepted", expert_args}),
                              ""};
    }
    if (decision == "reject" && current == PairState::kAccepted &&
        p->status == ProblemStatus::kMatched) {
      bool others = false;
      for (const auto& [pair, review] : latest_)
        others = others || (pair.first == problem_id && pair.second != expert_id &&
                            review.decision == "accept");
      if (!others)
        change = StatusChange{problem_id,
                              p->status,
                              ProblemStatus::kSubmitted,
                              who.describe(),
                              i18n::to_stored({"transition.note_rejected", expert_args}),
                              ""};
    }
    r.problem_id = problem_id;
    r.expert_id = expert_id;
    r.decision = decision;
    r.note = note;
    r.reviewer = who.describe();
  }
  auto stored = store_->add_review(r, change ? &*change : nullptr);
  if (!stored) return stored.status();
  if (!override_log.empty())
    std::fprintf(stderr, "expertmatch serve: capacity override (review %lld): %s\n", stored->id,
                 override_log.c_str());
  auto lock = lock_for_write();
  latest_[{problem_id, expert_id}] = *stored;
  ++review_count_;
  ++decision_sequence_;
  if (change) {
    Problem p = *problems_[problem_id];
    p.status = change->to;
    index_problem_locked(put_problem_locked(p));
  }
  return *stored;
}

Result<std::vector<Review>> Service::reviews(const Principal& who, const std::string& problem_id) {
  if (who.role == Role::kEnterprise) return forbidden("access.review_notes");
  {
    std::shared_lock lock(mu_);
    auto p = visible_problem_locked(who, problem_id);
    if (!p) return p.status();
  }
  return store_->list_reviews(problem_id);
}

Result<Page<QueueEntry>> Service::review_queue(const Principal& who, const ReviewQueueQuery& q) {
  if (who.role == Role::kEnterprise) return forbidden("access.review_queue");
  std::optional<std::string> county = q.county;
  if (who.role != Role::kAdmin) {
    if (county && !same_name(*county, who.county()))
      return forbidden({"access.read_own_queue", {{"county", who.county()}}});
    county = who.county();
  }
  // Good matches among each problem's best; the relative bar keeps them few.
  constexpr int kConsidered = 20;
  auto before = [](const Problem& a, const Problem& b) {
    if (a.urgency != b.urgency) return a.urgency > b.urgency;
    if (a.submitted != b.submitted) return a.submitted < b.submitted;
    return a.id < b.id;
  };
  std::vector<QueueEntry> out;
  for (int attempt = 1;; ++attempt) {
    std::vector<Problem> open;
    unsigned long long seen = 0;
    long long decisions = 0;
    {
      std::shared_lock lock(mu_);
      if (!index_) return Status(ErrorCode::kUnavailable, i18n::Message("index.not_ready"));
      for (const auto& [id, p] : problems_)
        if (is_open(p->status) && (!county || same_name(p->county, *county)) &&
            can_see_problem(who, *p))
          open.push_back(*p);
      seen = county_version_locked(county);
      decisions = decision_sequence_;
    }
    std::stable_sort(open.begin(), open.end(), before);
    out.clear();
    bool changed = false;
    // Ranked in chunks: writers get in between (service.h).
    Status ranked = in_chunks(open.size(), [&](size_t i) -> Status {
      changed = changed || county_version_locked(county) != seen || decision_sequence_ != decisions;
      auto ranked = ranked_for_problem_locked(open[i], kConsidered, nullptr);
      if (!ranked) return ranked.status();
      for (auto& m : *ranked)
        if (m.good_match && !latest_.count({open[i].id, m.expert_id}))
          out.push_back({open[i], std::move(m), 0});
      return Status::ok();
    });
    if (!ranked) return ranked;
    if (!changed || attempt >= kQueueAttempts) break;
  }
  {
    // As of now: what a write during the ranking closed, moved, reviewed or
    // made unavailable is left out; capacities are the current ones.
    std::shared_lock lock(mu_);
    std::erase_if(out, [&](QueueEntry& q) {
      auto p = problems_.find(q.problem.id);
      if (p == problems_.end() || !is_open(p->second->status) ||
          (county && !same_name(p->second->county, *county)) || !can_see_problem(who, *p->second) ||
          latest_.count({q.problem.id, q.match.expert_id}))
        return true;
      auto e = experts_.find(q.match.expert_id);
      if (e == experts_.end() || !e->second.available) return true;
      q.problem = *p->second;
      q.remaining_capacity = remaining_capacity_locked(e->second);
      return false;
    });
  }
  // Each problem's entries stay in score order; problems by urgency as of now.
  std::stable_sort(out.begin(), out.end(), [&](const QueueEntry& a, const QueueEntry& b) {
    return before(a.problem, b.problem);
  });
  return paginate(std::move(out), q.offset, q.limit);
}

// ---- a problem's life ------------------------------------------------------

Result<ProblemTransition> Service::change_status(const Principal& who,
                                                 const std::string& problem_id,
                                                 const StatusRequest& req) {
  auto writer = writer_for(who);
  if (!writer) return writer.status();
  Problem p;
  {
    std::shared_lock lock(mu_);
    auto visible = visible_problem_locked(who, problem_id);
    if (!visible) return visible.status();
    p = *visible;
  }
  const ProblemStatus to = req.to;
  if (who.role == Role::kEnterprise && to != ProblemStatus::kWithdrawn)
    return forbidden("access.enterprise_withdraw_only");
  if (who.role == Role::kCoordinator && to == ProblemStatus::kWithdrawn)
    return forbidden("access.coordinator_no_withdraw");
  if (who.role == Role::kCounty && !can_write_problem(who, p))
    return forbidden({"access.county_own_problems", {{"scope", who.scope}}});
  if (to == ProblemStatus::kSubmitted || to == ProblemStatus::kMatched)
    return field_error("status", {"transition.by_review", {{"status", problem_status_name(to)}}});
  if (!is_open(p.status))
    return Status(
        ErrorCode::kConflict,
        {"transition.final", {{"id", problem_id}, {"status", problem_status_name(p.status)}}});
  if ((to == ProblemStatus::kClosed || to == ProblemStatus::kWithdrawn) && blank(req.note))
    return field_error("note", {"transition.needs_note", {{"status", problem_status_name(to)}}});
  if (to == ProblemStatus::kSolved && blank(req.outcome))
    return field_error("outcome", "transition.needs_outcome");
  if ((to == ProblemStatus::kSolved || to == ProblemStatus::kInProgress) &&
      p.status == ProblemStatus::kSubmitted)
    return Status(
        ErrorCode::kConflict,
        {to == ProblemStatus::kSolved ? "transition.no_expert_solved" : "transition.no_expert",
         {{"id", problem_id}}});
  if (to == p.status)
    return Status(ErrorCode::kConflict,
                  {"transition.same", {{"id", problem_id}, {"status", problem_status_name(to)}}});
  StatusChange change{problem_id, p.status, to, who.describe(), req.note, req.outcome};
  auto t = store_->change_status(change);
  if (!t) return t.status();
  auto lock = lock_for_write();
  Problem stored = *problems_[problem_id];
  stored.status = to;
  index_problem_locked(put_problem_locked(stored));
  ++decision_sequence_;
  return t;
}

Result<ProblemHistory> Service::history(const Principal& who, const std::string& problem_id) {
  {
    std::shared_lock lock(mu_);
    auto p = visible_problem_locked(who, problem_id);
    if (!p) return p.status();
  }
  ProblemHistory h;
  auto transitions = store_->list_transitions(problem_id);
  if (!transitions) return transitions.status();
  h.transitions = std::move(*transitions);
  if (who.role == Role::kEnterprise) return h;
  auto reviews = store_->list_reviews(problem_id);
  if (!reviews) return reviews.status();
  h.reviews = std::move(*reviews);
  std::shared_lock lock(mu_);
  for (const auto& r : h.reviews) {
    auto e = experts_.find(r.expert_id);
    h.expert_names[r.expert_id] = e == experts_.end() ? r.expert_id : e->second.name;
  }
  return h;
}

Result<ProblemStanding> Service::standing(const Principal& who, const std::string& problem_id) {
  ProblemStanding s;
  bool lost_leader = false;        // a key topic's leader was rejected
  i18n::Message follow_up_reason;  // why no expert fits a submitted problem, if none does
  {
    std::shared_lock lock(mu_);
    auto p = visible_problem_locked(who, problem_id);
    if (!p) return p.status();
    s.problem = *p;
    for (const auto& [pair, review] : latest_) {
      if (pair.first != problem_id || review.decision != "accept") continue;
      auto e = experts_.find(pair.second);
      if (e != experts_.end()) s.accepted_experts.push_back(e->second.name);
    }
    for (const auto& id : workers_locked(problem_id)) {
      auto e = experts_.find(id);
      if (e != experts_.end()) s.experts.push_back(e->second.name);
    }
    for (auto it = approved_topics_.lower_bound({problem_id, ""});
         it != approved_topics_.end() && it->first.first == problem_id; ++it)
      lost_leader =
          lost_leader || pair_state_locked(problem_id, it->first.second) == PairState::kRejected;
    if (s.problem.status == ProblemStatus::kSubmitted && index_) {
      auto best = ranked_for_problem_locked(s.problem, 1, nullptr);
      if (!best) return best.status();
      s.county_follows_up = best->empty() || !best->front().good_match;
      if (s.county_follows_up) {
        auto why = why_no_good_match_locked(s.problem, *best);
        if (!why) return why.status();
        if (*why) follow_up_reason = (*why)->message;
      }
    }
  }
  const std::string names = join(s.experts, "、");  // names are Chinese in either language
  std::string note, outcome;
  if (!is_open(s.problem.status)) {
    auto history = store_->list_transitions(problem_id);
    if (!history) return history.status();
    for (const auto& t : *history) {
      if (t.change.to != s.problem.status) continue;
      note = t.change.note;
      outcome = t.change.outcome;
    }
  }
  switch (s.problem.status) {
    case ProblemStatus::kSubmitted:
      s.message = !s.county_follows_up
                      ? i18n::Message("standing.submitted", {{"county", s.problem.county}})
                  : follow_up_reason.empty()
                      ? i18n::Message("standing.follow_up", {{"county", s.problem.county}})
                      : i18n::Message("standing.follow_up_because", {{"county", s.problem.county}})
                            .with("reason", follow_up_reason);
      break;
    case ProblemStatus::kMatched:
      s.message = {"standing.matched", {{"names", names}}};
      break;
    case ProblemStatus::kInProgress:
      // Nobody left on it after its key topic's leader was rejected: the
      // county is to reassign it (plan_attention). Nobody on record at all
      // (an imported status): its status is the fact.
      if (!names.empty())
        s.message = {"standing.in_progress", {{"names", names}}};
      else if (lost_leader)
        s.message = {"standing.reassigning", {{"county", s.problem.county}}};
      else
        s.message = "standing.in_progress_unnamed";
      break;
    case ProblemStatus::kSolved:
      s.message = {"standing.solved", {{"outcome", outcome}}};
      break;
    case ProblemStatus::kWithdrawn:
      s.message = {"standing.withdrawn", {{"note", note}}};
      break;
    case ProblemStatus::kClosed:
      s.message = {"standing.closed", {{"note", note}}};
      break;
  }
  return s;
}

// ---- workstation plans -----------------------------------------------------

Result<PlanRecord> Service::create_plan(const Principal& who, const std::string& county,
                                        PlanRunOptions options) {
  if (!can_write_plans(who, county)) {
    if (who.role == Role::kCoordinator) return forbidden("access.coordinator_plans");
    if (who.role == Role::kEnterprise) return forbidden("access.enterprise_plans");
    return forbidden({"access.county_own_plans", {{"scope", who.scope}}});
  }
  Status known = options_.counties.check(county, "county", "path");
  if (!known) return known;
  const int max_drafts = options_.max_plan_drafts_per_county;
  if (max_drafts > 0) {
    // Before the run, which is the cost; add_draft checks again atomically.
    auto drafts = plans_->count_drafts(county);
    if (!drafts) return drafts.status();
    if (*drafts >= max_drafts)
      return Status(
          ErrorCode::kConflict,
          {"plan.draft_quota", {{"county", county}, {"max", std::to_string(max_drafts)}}});
  }
  options.save = false;
  long long decisions = 0;
  unsigned long long seen = 0;
  PlanningInput input;
  {
    // What the ranking needs, read at once: the records to plan and the
    // decisions in force (a later decision makes the draft stale).
    std::shared_lock lock(mu_);
    if (!index_) return Status(ErrorCode::kUnavailable, i18n::Message("index.not_ready"));
    options.accepted_matches = accepted_pairs_locked("");
    options.rejected_matches = rejected_pairs_locked();
    for (const auto& [id, p] : problems_)
      if (!is_open(p->status)) options.closed_problems.insert(id);
    decisions = decision_sequence_;
    seen = county_version_locked(county);
    input = planning_records(*index_, {county});
  }
  // The expensive part, in chunks: writers get in between (service.h).
  bool changed = false;
  Status ranked = in_chunks(input.problems.size(), [&](size_t i) {
    changed = changed || county_version_locked(county) != seen;
    return add_good_matches(*matcher_, input.problems[i], &input);
  });
  if (!ranked) return ranked;
  if (changed) decisions = PlanStore::kInputChanged;
  auto made = make_county_plan(*plans_, std::move(input), county, options);
  if (!made) return made.status();
  std::vector<std::string> members;
  std::vector<std::pair<std::string, std::string>> topics;
  for (const auto& m : made->plan.team) members.push_back(m.expert_id);
  for (const auto& t : made->plan.key_topics) topics.emplace_back(t.problem_id, t.expert_id);
  // The run took a while: a caller whose credential lapsed meanwhile stores nothing.
  if (Status authorised = still_authorised(who); !authorised) return authorised;
  return plans_->add_draft(county, members, topics, plan_to_json(made->plan), decisions,
                           max_drafts);
}

Result<PlanRecord> Service::get_plan(const Principal& who, long long id) {
  auto plan = plans_->get(id);
  if (!plan) return plan.status().code() == ErrorCode::kNotFound ? no_plan(id) : plan.status();
  if (!can_read_plans(who, plan->county)) return no_plan(id);
  return plan;
}

Result<PlanRecord> Service::approve_plan(const Principal& who, long long id) {
  auto plan = get_plan(who, id);
  if (!plan) return plan.status();
  if (!can_write_plans(who, plan->county)) return forbidden("access.approve_plans");
  auto writer = writer_for(who);
  if (!writer) return writer.status();
  std::vector<StatusChange> changes;
  {
    std::shared_lock lock(mu_);
    std::vector<Problem> topic_problems;
    std::vector<Expert> leaders;
    Status leaders_fresh = leaders_staleness_locked(*plan);
    if (!leaders_fresh) return leaders_fresh;
    for (const auto& [problem, expert] : plan->topics) {
      if (auto p = problems_.find(problem); p != problems_.end())
        topic_problems.push_back(*p->second);
      leaders.push_back(experts_.at(expert));  // leaders_staleness_locked found each
    }
    changes = approval_changes(*plan, topic_problems, leaders, who.describe());
  }
  auto approved = plans_->approve(id, who.describe(), changes);
  if (!approved) return approved.status();
  auto topics = approved_topics(*plans_);
  auto lock = lock_for_write();
  for (const auto& c : changes) {
    Problem p = *problems_[c.problem_id];
    p.status = c.to;
    index_problem_locked(put_problem_locked(p));
  }
  ++decision_sequence_;
  if (topics) {
    approved_topics_ = std::move(*topics);
  } else {
    // The approval is durable; the ledger catches up at the next start.
    std::fprintf(stderr, "expertmatch serve: reading approved plans failed: %s\n",
                 topics.status().to_string().c_str());
  }
  return approved;
}

Result<PlanRecord> Service::discard_plan(const Principal& who, long long id) {
  auto plan = get_plan(who, id);
  if (!plan) return plan.status();
  if (!can_write_plans(who, plan->county)) return forbidden("access.discard_plans");
  if (Status authorised = still_authorised(who); !authorised) return authorised;
  return plans_->discard(id, who.describe());
}

Result<Page<PlanRecord>> Service::list_plans(const Principal& who, const std::string& county,
                                             size_t offset, size_t limit) {
  if (!can_read_plans(who, county)) {
    if (who.role == Role::kEnterprise) return forbidden("access.enterprise_plans");
    return forbidden({"access.read_own_plans", {{"county", who.county()}}});
  }
  // Summaries of all, the bodies of the page only.
  auto all = plans_->list(county, PlanFilter{std::nullopt, false});
  if (!all) return all.status();
  Page<PlanRecord> page;
  page.total = all->size();
  for (size_t i = offset; i < all->size() && i < offset + limit; ++i) {
    auto plan = plans_->get((*all)[i].id);
    if (!plan) return plan.status();
    page.items.push_back(std::move(*plan));
  }
  return page;
}

Status Service::leaders_staleness_locked(const PlanRecord& plan) const {
  for (const auto& [problem, expert] : plan.topics) {
    auto e = experts_.find(expert);
    // A leader must still be one the plan could choose now: available, and
    // confirmed by the city unless stationed in the county. An attack trial
    // had another county rewrite a leader after the draft was made (the
    // record lost its confirmation) and the draft was approved all the same.
    if (e == experts_.end() || !e->second.available || !may_serve_county(e->second, plan.county))
      return Status(ErrorCode::kConflict, {"plan.stale_leader",
                                           {{"id", std::to_string(plan.id)},
                                            {"name", e == experts_.end() ? expert : e->second.name},
                                            {"expert_id", expert}}});
    // Nor may it claim an expert stationed elsewhere for a problem the city
    // has not confirmed (WorkstationPlanner's may_lead; attack trial 12),
    // which an edit after the draft can make it.
    auto p = problems_.find(problem);
    if (p != problems_.end() && !may_lead_for(e->second, *p->second, plan.county))
      return Status(ErrorCode::kConflict, {"plan.stale_unconfirmed_topic",
                                           {{"id", std::to_string(plan.id)},
                                            {"problem", problem},
                                            {"name", e->second.name},
                                            {"expert_id", expert}}});
  }
  return Status::ok();
}

Status Service::plan_staleness(const PlanRecord& plan) {
  if (plan.status != PlanStatus::kDraft) return Status::ok();
  // Read from the store, as approve() checks it.
  Status stored = plans_->staleness(plan);
  if (!stored) return stored;
  // A leader approve_plan would refuse: shown stale now, not only once the
  // county tries to approve (a new-user trial saw 草稿 and an approve
  // button, then the refusal).
  std::shared_lock lock(mu_);
  return leaders_staleness_locked(plan);
}

std::vector<TopicAttention> Service::plan_attention(const PlanRecord& plan) {
  std::vector<TopicAttention> out;
  if (plan.status != PlanStatus::kApproved) return out;
  std::shared_lock lock(mu_);
  for (const auto& [problem, expert] : plan.topics) {
    auto review = latest_.find({problem, expert});
    if (review == latest_.end() || review->second.decision != "reject") continue;
    auto e = experts_.find(expert);
    TopicAttention a{problem,        expert, e == experts_.end() ? expert : e->second.name,
                     review->second, {},     {}};
    for (const auto& id : workers_locked(problem)) {
      auto w = experts_.find(id);
      a.working.push_back(w == experts_.end() ? id : w->second.name);
    }
    const Review& r = a.rejection;
    a.message =
        i18n::Message(a.working.empty() ? "plan.attention.rejected" : "plan.attention.replaced",
                      {{"problem_id", problem},
                       {"name", a.expert_name},
                       {"expert_id", expert},
                       {"date", r.created_at.substr(0, 10)},
                       {"note", r.note},
                       {"names", join(a.working, "、")}})
            .with("reviewer", actor_in_words(r.reviewer));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace expertmatch::api
