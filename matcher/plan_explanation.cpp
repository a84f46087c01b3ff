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

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

}  // namespace

std::string WorkstationPlanner::Impl::station(const County& c, int e) const {
  const Expert& x = expert(e);
  if (planning::contains(x.counties, c.name)) return "stationed in " + c.name;
  if (x.counties.empty()) return "lists no county";
  return "stationed in " + join(x.counties, "/") + ", not " + c.name;
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
      t.accepted = c.accepted_topic[lp];
      t.kept = kept_topic[lp] && !t.accepted;
      ++rank;
      // Which more urgent problems of the enterprise were passed over, and why.
      std::vector<std::string> passed;
      for (size_t lq = 0; lq < np; ++lq) {
        if (c.enterprise_of[lq] != static_cast<int>(ent) || leader[lq] >= 0 ||
            problem(c.problems[lq]).urgency <= t.urgency)
          continue;
        const Problem& q = problem(c.problems[lq]);
        std::string why = solvers[lq].empty()
                              ? "no team member solves it well"
                              : "the team members who solve it (" + who(solvers[lq][0]) +
                                    (solvers[lq].size() > 1 ? ", ..." : "") +
                                    ") have no capacity left";
        passed.push_back(q.id + " (urgency " + std::to_string(q.urgency) + "): " + why);
      }
      if (t.accepted)
        t.reason =
            "a coordinator accepted " + who(e) + " for it (score " + fmt_score(t.score) + ")";
      else
        t.reason = std::string(rank == 1 ? "the most urgent" : "the next most urgent") +
                   " open problem of " + t.enterprise + " that the team can solve (urgency " +
                   std::to_string(t.urgency) + "); led by " + who(e) + ", score " +
                   fmt_score(t.score) +
                   (t.evidence.empty() ? "" : " (evidence: " + t.evidence + ")");
      if (solvers[lp].size() > 1)
        t.reason += "; " + std::to_string(solvers[lp].size() - 1) +
                    " other team member(s) could also solve it";
      if (!passed.empty()) t.reason += "; passed over: " + join(passed, "; ");
      if (t.kept) t.reason += "; kept from the approved plan";
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
    std::string r = station(c, e) + "; solves " + std::to_string(m.can_solve.size()) + " of " +
                    std::to_string(np) + " open problems well";
    if (!m.can_solve.empty())
      r += " (best: " + m.can_solve[0].problem_id + " " + m.can_solve[0].title + ", score " +
           fmt_score(m.can_solve[0].score) + ")";
    if (only > 0) r += ", " + std::to_string(only) + " of them no other member solves";
    if (m.key_topics > 0) {
      std::vector<std::string> ids;
      for (const auto& s : m.can_solve)
        if (s.key_topic) ids.push_back(s.problem_id);
      r += "; leads " + std::to_string(m.key_topics) + " key topic(s): " + join(ids, ", ");
    } else {
      r += "; leads no key topic here";
    }
    if (m.capacity_used_elsewhere > 0)
      r += "; " + std::to_string(m.capacity_used_elsewhere) + " of capacity " +
           std::to_string(m.capacity) + " used elsewhere";
    if (m.kept) r += "; kept from the approved plan";
    if (c.accepted_member[e]) r += "; leads a match a coordinator accepted";
    if (m.gain <= planning::kTeamEpsilon && !c.kept_member[e])
      r += "; adds nothing the others do not (fills the minimum team size)";
    m.reason = std::move(r);
    plan.team.push_back(std::move(m));
  }

  // Who, outside the team, could solve a problem (for uncovered problems and enterprises).
  auto outsiders = [&](int p) {
    std::vector<std::string> names;
    for (const auto& [e, m] : pl.good_by_problem_[p]) {
      if (in_team(c.team, e) || !expert(e).available || conflicted(e, p)) continue;
      std::string s = who(e) + " " + fmt_score(match(m).score);
      if (c.pref[e] <= 0)
        s += " (not admitted: " + station(c, e) + ")";
      else if (capacity[e] <= 0)
        s += " (no capacity left)";
      names.push_back(s);
      if (names.size() == 3) break;
    }
    return names;
  };
  auto blocked = [&](int p) {  // good matches that only unavailable or conflicted experts have
    int n = 0;
    for (const auto& [e, m] : pl.good_by_problem_[p]) n += !expert(e).available || conflicted(e, p);
    return n;
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
      o.reason = std::to_string(o.key_topics) + " key topic(s): " + join(ids, ", ");
      if (o.key_topics < opt.max_topics_per_enterprise && o.solvable_by_team > o.key_topics)
        o.reason += "; its other solvable problems wait for free capacity";
    } else if (o.solvable_by_team > 0) {
      std::set<std::string> busy;
      for (size_t lp = 0; lp < np; ++lp)
        if (c.enterprise_of[lp] == static_cast<int>(ent))
          for (int e : solvers[lp]) busy.insert(who(e));
      o.reason = "team members who could help (" +
                 join(std::vector<std::string>(busy.begin(), busy.end()), ", ") +
                 ") have no capacity left: it is taken by other enterprises' topics";
      plan.diagnoses.push_back(
          {DiagnosisKind::kCapacityExhausted, o.enterprise, o.enterprise + ": " + o.reason});
    } else {
      std::vector<std::string> help;
      int blocked_pairs = 0;
      for (size_t lp = 0; lp < np; ++lp) {
        if (c.enterprise_of[lp] != static_cast<int>(ent)) continue;
        for (const auto& s : outsiders(c.problems[lp])) help.push_back(s);
        blocked_pairs += blocked(c.problems[lp]);
      }
      if (!help.empty()) {
        if (help.size() > 3) help.resize(3);
        o.reason = "no team member solves any of its " + std::to_string(o.open_problems) +
                   " open problem(s) well; outside the team: " + join(help, ", ");
        plan.diagnoses.push_back(
            {DiagnosisKind::kEnterpriseBeyondTeam, o.enterprise, o.enterprise + ": " + o.reason});
      } else {
        o.reason = "no available expert is a good match (confidence >= " +
                   fmt_score(in.good_match_confidence) + ") for any of its " +
                   std::to_string(o.open_problems) + " open problem(s)";
        if (blocked_pairs > 0)
          o.reason += " (" + std::to_string(blocked_pairs) +
                      " good match(es) are with unavailable or conflicted experts)";
        plan.diagnoses.push_back({DiagnosisKind::kEnterpriseUnhelpable, o.enterprise,
                                  o.enterprise + ": no one can help: " + o.reason});
      }
    }
    plan.enterprises.push_back(std::move(o));
  }

  // Uncovered problems (urgency order already).
  for (size_t lp = 0; lp < np; ++lp) {
    if (!solvers[lp].empty() || leader[lp] >= 0) continue;
    int p = c.problems[lp];
    UncoveredProblem u{problem(p).id, problem(p).title, problem(p).enterprise, problem(p).urgency,
                       ""};
    auto help = outsiders(p);
    u.reason = help.empty()
                   ? "no available expert solves it well"
                   : "no team member solves it well; outside the team: " + join(help, ", ");
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
        {DiagnosisKind::kTooFewExperts, c.name,
         "only " + std::to_string(total) + " available expert(s) with capacity left may join " +
             c.name + "'s team (" + std::to_string(stationed) + " stationed there, " +
             std::to_string(unattached) + " listing no county; county policy \"" +
             county_policy_name(opt.county_policy) + "\"); a team of " +
             std::to_string(opt.min_team_size) + "-" + std::to_string(opt.max_team_size) +
             " was requested"});
  plan.diagnoses.insert(plan.diagnoses.begin(), c.diagnoses.begin(), c.diagnoses.end());

  int team_stationed = 0;
  for (const auto& m : plan.team) team_stationed += m.stationed;
  plan.summary = c.name + ": team of " + std::to_string(plan.team.size()) + " (" +
                 std::to_string(team_stationed) + " stationed there); " +
                 std::to_string(sc.enterprises_with_topics) + " of " +
                 std::to_string(sc.enterprises) + " enterprises get key topics (" +
                 std::to_string(sc.key_topics) + " topics); the team solves " +
                 std::to_string(sc.solvable_by_team) + " of " + std::to_string(np) +
                 " open problems well, " + std::to_string(plan.uncovered.size()) +
                 " stay uncovered; " + std::to_string(plan.diagnoses.size()) + " diagnosis(es).";
  return plan;
}

}  // namespace expertmatch
