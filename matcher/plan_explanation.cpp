// Every plan explains itself: reasons on members, topics, enterprises and
// uncovered problems, and diagnoses of what could not be done.
#include "matcher/planner_impl.h"

#include <cstdio>
#include <set>

namespace expertmatch {
namespace {

std::string fmt_score(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

// Lists of ids and counties are data, the same in every language.
std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

PlanPhrase phrase(std::string key, std::vector<std::pair<std::string, std::string>> args = {}) {
  return PlanPhrase{std::move(key), std::move(args), {}};
}

PlanPhrase with_list(PlanPhrase p, std::string name, std::vector<PlanPhrase> items) {
  p.lists.emplace_back(std::move(name), std::move(items));
  return p;
}

}  // namespace

PlanPhrase WorkstationPlanner::Impl::station(const County& c, int e) const {
  const Expert& x = expert(e);
  if (planning::contains(x.counties, c.name))
    return phrase("planner.station.here", {{"county", c.name}});
  if (x.counties.empty()) return phrase("planner.station.none");
  return phrase("planner.station.elsewhere",
                {{"counties", join(x.counties, "/")}, {"county", c.name}});
}

PlanPhrase WorkstationPlanner::Impl::who_phrase(int e) const {
  return phrase("planner.who", {{"name", expert(e).name}, {"id", expert(e).id}});
}

WorkstationPlan WorkstationPlanner::Impl::explain(const County& c, const std::vector<int>& assigned,
                                                  const std::vector<int>& capacity,
                                                  const std::vector<int>& declared_left,
                                                  const std::vector<int>& topics_total) const {
  WorkstationPlan plan;
  plan.county = c.name;
  plan.options = opt;
  const size_t np = c.problems.size();
  std::vector<int> leader(np, -1);
  std::vector<char> kept_topic(np, 0);
  for (size_t lp = 0; lp < np; ++lp) {
    if (c.kept_topic_expert[lp] >= 0) {
      leader[lp] = c.kept_topic_expert[lp];
      kept_topic[lp] = 1;
    } else {
      leader[lp] = assigned[lp];
    }
  }
  auto score_of = [&](int e, int p) -> const PairScore* {
    for (const auto& [q, m] : pl.good_by_problem_[p])
      if (q == e) return &match(m);
    return nullptr;
  };
  // Team members who solve each problem well, best first.
  std::vector<std::vector<int>> solvers(np);
  for (size_t lp = 0; lp < np; ++lp)
    for (const auto& [e, m] : pl.good_by_problem_[c.problems[lp]])
      if (in_team(c.team, e) && usable(c, e, c.problems[lp])) solvers[lp].push_back(e);

  // Score.
  PlanScore& sc = plan.score;
  sc.open_problems = static_cast<int>(np);
  sc.enterprises = static_cast<int>(c.enterprises.size());
  sc.breadth = breadth(c, c.team);
  std::vector<int> ent_topics(c.enterprises.size(), 0), ent_open(c.enterprises.size(), 0),
      ent_solvable(c.enterprises.size(), 0);
  for (size_t lp = 0; lp < np; ++lp) {
    int ent = c.enterprise_of[lp];
    ++ent_open[ent];
    if (!solvers[lp].empty()) {
      ++ent_solvable[ent];
      ++sc.solvable_by_team;
    }
    if (leader[lp] < 0) continue;
    const PairScore* s = score_of(leader[lp], c.problems[lp]);
    sc.key_topic_value += gain(c, leader[lp], c.problems[lp], s ? s->score : 0);
    if (ent_topics[ent]++ == 0) sc.key_topic_value += planning::kFirstTopicPoints;
    ++sc.key_topics;
  }
  for (int t : ent_topics) sc.enterprises_with_topics += t > 0;
  sc.value = sc.key_topic_value + sc.breadth;

  // Key topics.
  for (size_t ent = 0; ent < c.enterprises.size(); ++ent) {
    int rank = 0;
    for (size_t lp = 0; lp < np; ++lp) {
      if (c.enterprise_of[lp] != static_cast<int>(ent) || leader[lp] < 0) continue;
      int p = c.problems[lp], e = leader[lp];
      const PairScore* s = score_of(e, p);
      KeyTopic t;
      t.enterprise = c.enterprises[ent];
      t.problem_id = problem(p).id;
      t.title = problem(p).title;
      t.urgency = problem(p).urgency;
      t.expert_id = expert(e).id;
      t.expert_name = expert(e).name;
      t.score = s ? s->score : 0;
      t.evidence = s ? s->evidence : "";
      t.evidence_is_field = s && s->evidence_is_field;
      t.accepted = c.accepted_topic[lp];
      t.kept = kept_topic[lp] && !t.accepted;
      t.awaits_city = !problem(p).verified;
      ++rank;
      // Which more urgent problems of the enterprise were passed over, and why.
      std::vector<PlanPhrase> passed;
      for (size_t lq = 0; lq < np; ++lq) {
        if (c.enterprise_of[lq] != static_cast<int>(ent) || leader[lq] >= 0 ||
            problem(c.problems[lq]).urgency <= t.urgency)
          continue;
        const Problem& q = problem(c.problems[lq]);
        std::vector<std::pair<std::string, std::string>> args = {
            {"id", q.id}, {"urgency", std::to_string(q.urgency)}};
        if (solvers[lq].empty()) {
          passed.push_back(phrase("planner.topic.passed_no_solver", std::move(args)));
        } else {
          std::vector<PlanPhrase> busy;
          for (int s : solvers[lq])
            if (busy.size() < 3) busy.push_back(who_phrase(s));
          passed.push_back(
              with_list(phrase("planner.topic.passed_busy", std::move(args)), "who", busy));
        }
      }
      std::vector<std::pair<std::string, std::string>> lead = {
          {"name", expert(e).name}, {"id", expert(e).id}, {"score", fmt_score(t.score)}};
      if (t.accepted) {
        t.reason.push_back(phrase("planner.topic.accepted", lead));
      } else {
        t.reason.push_back(
            phrase(rank == 1 ? "planner.topic.first" : "planner.topic.next",
                   {{"enterprise", t.enterprise}, {"urgency", std::to_string(t.urgency)}}));
        if (t.evidence.empty()) {
          t.reason.push_back(phrase("planner.topic.led_by", lead));
        } else {
          lead.emplace_back("evidence", t.evidence);
          t.reason.push_back(phrase(
              t.evidence_is_field ? "planner.topic.led_by_field" : "planner.topic.led_by_work",
              lead));
        }
      }
      if (t.awaits_city) t.reason.push_back(phrase("planner.topic.awaits_city"));
      if (solvers[lp].size() > 1)
        t.reason.push_back(
            phrase("planner.topic.others_could", {{"n", std::to_string(solvers[lp].size() - 1)}}));
      if (!passed.empty())
        t.reason.push_back(with_list(phrase("planner.topic.passed_over"), "items", passed));
      if (t.kept) t.reason.push_back(phrase("planner.topic.kept"));
      plan.key_topics.push_back(std::move(t));
    }
  }

  // Team members.
  std::vector<int> led(in.experts.size(), 0);
  for (size_t lp = 0; lp < np; ++lp)
    if (leader[lp] >= 0) ++led[leader[lp]];
  const double full = value(c, c.team, capacity);
  for (int e : c.team) {
    const Expert& x = expert(e);
    TeamMember m;
    m.expert_id = x.id;
    m.name = x.name;
    m.title = x.title;
    m.college = x.college;
    m.stationed = planning::contains(x.counties, c.name);
    m.kept = c.approved_member[e];
    m.capacity = x.capacity;
    m.key_topics = led[e];
    m.capacity_used_elsewhere = topics_total[e] - led[e] + (x.capacity - declared_left[e]);
    for (const auto& [p, mi] : pl.good_by_expert_[e]) {
      auto it = c.local.find(p);
      if (it == c.local.end() || !usable(c, e, p)) continue;
      m.can_solve.push_back({problem(p).id, problem(p).title, problem(p).enterprise,
                             problem(p).urgency, match(mi).score, leader[it->second] == e});
    }
    std::vector<int> without;
    for (int o : c.team)
      if (o != e) without.push_back(o);
    m.gain = full - value(c, without, capacity);
    // Problems only this member solves well within the team.
    int only = 0;
    for (size_t lp = 0; lp < np; ++lp)
      if (solvers[lp].size() == 1 && solvers[lp][0] == e) ++only;
    PlanText r = {station(c, e)};
    std::vector<std::pair<std::string, std::string>> solves = {
        {"n", std::to_string(m.can_solve.size())}, {"total", std::to_string(np)}};
    if (m.can_solve.empty()) {
      r.push_back(phrase("planner.member.solves", solves));
    } else {
      solves.insert(solves.end(), {{"id", m.can_solve[0].problem_id},
                                   {"title", m.can_solve[0].title},
                                   {"score", fmt_score(m.can_solve[0].score)}});
      r.push_back(phrase("planner.member.solves_best", solves));
    }
    if (only > 0) r.push_back(phrase("planner.member.only", {{"n", std::to_string(only)}}));
    if (m.key_topics > 0) {
      std::vector<std::string> ids;
      for (const auto& s : m.can_solve)
        if (s.key_topic) ids.push_back(s.problem_id);
      r.push_back(phrase("planner.member.leads",
                         {{"n", std::to_string(m.key_topics)}, {"ids", join(ids, ", ")}}));
    } else {
      r.push_back(phrase("planner.member.leads_none"));
    }
    if (m.capacity_used_elsewhere > 0)
      r.push_back(phrase("planner.member.used_elsewhere",
                         {{"used", std::to_string(m.capacity_used_elsewhere)},
                          {"capacity", std::to_string(m.capacity)}}));
    if (m.kept) r.push_back(phrase("planner.member.kept"));
    if (c.accepted_member[e]) r.push_back(phrase("planner.member.accepted"));
    if (m.gain <= planning::kTeamEpsilon && !c.kept_member[e])
      r.push_back(phrase("planner.member.fills"));
    m.reason = std::move(r);
    plan.team.push_back(std::move(m));
  }

  // Who, outside the team, could solve a problem (for uncovered problems and enterprises).
  auto outsiders = [&](int p) {
    std::vector<PlanPhrase> names;
    for (const auto& [e, m] : pl.good_by_problem_[p]) {
      if (in_team(c.team, e) || !expert(e).available || conflicted(e, p)) continue;
      std::vector<std::pair<std::string, std::string>> args = {
          {"name", expert(e).name}, {"id", expert(e).id}, {"score", fmt_score(match(m).score)}};
      if (c.pref[e] <= 0)
        names.push_back(with_list(phrase("planner.outsider.not_admitted", std::move(args)),
                                  "station", {station(c, e)}));
      else if (capacity[e] <= 0)
        names.push_back(phrase("planner.outsider.busy", std::move(args)));
      else
        names.push_back(phrase("planner.outsider", std::move(args)));
      if (names.size() == 3) break;
    }
    return names;
  };
  auto blocked = [&](int p) {  // good matches that only unavailable or conflicted experts have
    int n = 0;
    for (const auto& [e, m] : pl.good_by_problem_[p]) n += !expert(e).available || conflicted(e, p);
    return n;
  };

  // Problems the team solves but none of its solvers may lead: filings the
  // city has not confirmed, solved by experts stationed elsewhere (may_lead).
  std::vector<int> awaiting_city(c.enterprises.size(), 0);
  for (size_t lp = 0; lp < np; ++lp)
    if (leader[lp] < 0 && !solvers[lp].empty() &&
        std::none_of(solvers[lp].begin(), solvers[lp].end(),
                     [&](int e) { return may_lead(c, e, c.problems[lp]); }))
      ++awaiting_city[c.enterprise_of[lp]];
  auto say_awaiting = [&](size_t ent, EnterpriseOutcome* o) {
    if (awaiting_city[ent] > 0)
      o->reason.push_back(
          phrase("planner.enterprise.awaits_city", {{"n", std::to_string(awaiting_city[ent])}}));
  };

  // Enterprises.
  for (size_t ent = 0; ent < c.enterprises.size(); ++ent) {
    EnterpriseOutcome o;
    o.enterprise = c.enterprises[ent];
    o.open_problems = ent_open[ent];
    o.solvable_by_team = ent_solvable[ent];
    o.key_topics = ent_topics[ent];
    if (o.key_topics > 0) {
      std::vector<std::string> ids;
      for (size_t lp = 0; lp < np; ++lp)
        if (c.enterprise_of[lp] == static_cast<int>(ent) && leader[lp] >= 0)
          ids.push_back(problem(c.problems[lp]).id);
      o.reason.push_back(phrase("planner.enterprise.topics",
                                {{"n", std::to_string(o.key_topics)}, {"ids", join(ids, ", ")}}));
      if (o.key_topics < opt.max_topics_per_enterprise &&
          o.solvable_by_team > o.key_topics + awaiting_city[ent])
        o.reason.push_back(phrase("planner.enterprise.waits"));
      say_awaiting(ent, &o);
    } else if (o.solvable_by_team > 0 && awaiting_city[ent] == o.solvable_by_team) {
      say_awaiting(ent, &o);
    } else if (o.solvable_by_team > 0) {
      std::set<std::pair<std::string, int>> busy;  // by name and id, as listed before
      for (size_t lp = 0; lp < np; ++lp)
        if (c.enterprise_of[lp] == static_cast<int>(ent))
          for (int e : solvers[lp]) busy.insert({expert(e).name + " " + expert(e).id, e});
      std::vector<PlanPhrase> who;
      for (const auto& b : busy) who.push_back(who_phrase(b.second));
      o.reason.push_back(with_list(phrase("planner.enterprise.busy"), "who", who));
      plan.diagnoses.push_back(
          {DiagnosisKind::kCapacityExhausted,
           o.enterprise,
           {with_list(phrase("planner.diagnosis.about", {{"subject", o.enterprise}}), "reason",
                      o.reason)}});
    } else {
      // An enterprise has several problems, and one outsider may fit more
      // than one: each name says for which problem.
      std::vector<PlanPhrase> help;
      int blocked_pairs = 0;
      for (size_t lp = 0; lp < np; ++lp) {
        if (c.enterprise_of[lp] != static_cast<int>(ent)) continue;
        for (const auto& s : outsiders(c.problems[lp]))
          help.push_back(
              with_list(phrase("planner.outsider_for", {{"problem", problem(c.problems[lp]).id}}),
                        "who", {s}));
        blocked_pairs += blocked(c.problems[lp]);
      }
      if (!help.empty()) {
        if (help.size() > 3) help.resize(3);
        o.reason = {
            phrase("planner.enterprise.no_member", {{"n", std::to_string(o.open_problems)}}),
            with_list(phrase("planner.outside_team"), "items", help)};
        plan.diagnoses.push_back(
            {DiagnosisKind::kEnterpriseBeyondTeam,
             o.enterprise,
             {with_list(phrase("planner.diagnosis.about", {{"subject", o.enterprise}}), "reason",
                        o.reason)}});
      } else {
        o.reason.push_back(phrase("planner.enterprise.no_expert",
                                  {{"confidence", fmt_score(in.good_match_confidence)},
                                   {"n", std::to_string(o.open_problems)}}));
        if (blocked_pairs > 0)
          o.reason.push_back(
              phrase("planner.enterprise.blocked", {{"n", std::to_string(blocked_pairs)}}));
        plan.diagnoses.push_back(
            {DiagnosisKind::kEnterpriseUnhelpable,
             o.enterprise,
             {with_list(phrase("planner.diagnosis.no_one_can_help", {{"subject", o.enterprise}}),
                        "reason", o.reason)}});
      }
    }
    plan.enterprises.push_back(std::move(o));
  }

  // Uncovered problems (urgency order already).
  for (size_t lp = 0; lp < np; ++lp) {
    if (!solvers[lp].empty() || leader[lp] >= 0) continue;
    int p = c.problems[lp];
    UncoveredProblem u{
        problem(p).id, problem(p).title, problem(p).enterprise, problem(p).urgency, {}};
    auto help = outsiders(p);
    auto why = in.coverage.find(u.problem_id);
    if (why != in.coverage.end() && why->second == ProblemCoverage::kNoWords)
      u.reason = {phrase("planner.uncovered.no_words")};
    else if (why != in.coverage.end() && why->second == ProblemCoverage::kNotTechnical)
      u.reason = {phrase("planner.uncovered.not_technical")};
    else if (help.empty() && why != in.coverage.end() &&
             why->second == ProblemCoverage::kNoResearch)
      u.reason = {phrase("planner.uncovered.no_research")};
    else if (help.empty() && why != in.coverage.end())
      u.reason = {phrase("planner.uncovered.only_excluded")};
    else if (help.empty())
      u.reason = {phrase("planner.uncovered.no_expert")};
    else
      u.reason = {phrase("planner.uncovered.no_member"),
                  with_list(phrase("planner.outside_team"), "items", help)};
    plan.uncovered.push_back(std::move(u));
  }

  // Too few experts.
  int stationed = 0, unattached = 0, total = 0;
  for (size_t e = 0; e < in.experts.size(); ++e) {
    if (c.pref[e] <= 0 || (capacity[e] <= 0 && !c.kept_member[e])) continue;
    ++total;
    stationed += planning::contains(expert(e).counties, c.name);
    unattached += expert(e).counties.empty();
  }
  if (total < opt.min_team_size)
    plan.diagnoses.insert(
        plan.diagnoses.begin(),
        {DiagnosisKind::kTooFewExperts,
         c.name,
         {with_list(
             phrase("planner.diagnosis.too_few", {{"total", std::to_string(total)},
                                                  {"county", c.name},
                                                  {"stationed", std::to_string(stationed)},
                                                  {"unattached", std::to_string(unattached)},
                                                  {"min", std::to_string(opt.min_team_size)},
                                                  {"max", std::to_string(opt.max_team_size)}}),
             "policy",
             {phrase(std::string("planner.policy.") + county_policy_name(opt.county_policy))})}});
  plan.diagnoses.insert(plan.diagnoses.begin(), c.diagnoses.begin(), c.diagnoses.end());

  int team_stationed = 0;
  for (const auto& m : plan.team) team_stationed += m.stationed;
  plan.summary = {
      phrase("planner.summary", {{"county", c.name},
                                 {"team", std::to_string(plan.team.size())},
                                 {"stationed", std::to_string(team_stationed)},
                                 {"with_topics", std::to_string(sc.enterprises_with_topics)},
                                 {"enterprises", std::to_string(sc.enterprises)},
                                 {"topics", std::to_string(sc.key_topics)},
                                 {"solvable", std::to_string(sc.solvable_by_team)},
                                 {"open", std::to_string(np)},
                                 {"uncovered", std::to_string(plan.uncovered.size())},
                                 {"diagnoses", std::to_string(plan.diagnoses.size())}})};
  return plan;
}

}  // namespace expertmatch
