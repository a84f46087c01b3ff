// Store: schema migrations, all-or-nothing import, updates, reads, deletes and
// the change sequence; plus the CLI's `import`, which validates before writing.
#include "corpus/store.h"
#include "corpus/exchange_format.h"
#include "corpus/plan_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus/exchange_format.h"
#include "tests/test_corpus.h"

namespace expertmatch {
namespace {

using fixture::sample_experts;
using fixture::sample_problems;
using fixture::TempDir;

std::unique_ptr<Store> open_store(const std::string& dir) {
  auto s = Store::open(dir);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(*s) : nullptr;
}

// Runs raw SQL on the store's database file through a second connection.
void run_sql(const std::string& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/store.sqlite").c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

// The one integer a query returns, through a second connection (-1 on error).
long long count(const std::string& dir, const char* sql) {
  sqlite3* db = nullptr;
  long long n = -1;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_open((dir + "/store.sqlite").c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

std::vector<std::string> expert_ids(Store& store) {
  std::vector<std::string> ids;
  auto all = store.list_experts();
  EXPECT_TRUE(all.is_ok());
  if (all.is_ok())
    for (const auto& e : *all) ids.push_back(e.id);
  return ids;
}

std::vector<std::string> problem_ids(Store& store) {
  std::vector<std::string> ids;
  auto all = store.list_problems();
  EXPECT_TRUE(all.is_ok());
  if (all.is_ok())
    for (const auto& p : *all) ids.push_back(p.id);
  return ids;
}

TEST(StoreTest, OpenCreatesAndMigratesToTheCurrentSchema) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string data = dir.file("nested/data");
  {
    auto store = open_store(data);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->schema_version(), Store::kSchemaVersion);
    EXPECT_EQ(store->data_dir(), data);
    auto counts = store->counts();
    ASSERT_TRUE(counts.is_ok());
    EXPECT_EQ(counts->experts, 0);
    EXPECT_EQ(counts->works, 0);
    EXPECT_EQ(counts->problems, 0);
    ASSERT_TRUE(store->put_expert(sample_experts()[0]).is_ok());
  }
  // Reopening runs no migration again and keeps the data.
  auto again = open_store(data);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->schema_version(), Store::kSchemaVersion);
  EXPECT_EQ(expert_ids(*again), std::vector<std::string>{"bearing-zhang"});
}

TEST(StoreTest, RefusesMissingDirectoryWithoutCreateAndNewerSchemas) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  StoreOptions no_create;
  no_create.create_if_missing = false;
  auto missing = Store::open(dir.file("absent"), no_create);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);

  { ASSERT_NE(open_store(dir.path()), nullptr); }
  run_sql(dir.path(), "PRAGMA user_version = 99");
  auto newer = Store::open(dir.path());
  ASSERT_FALSE(newer.is_ok());
  EXPECT_EQ(newer.status().code(), ErrorCode::kCorruption);
}

// Undoes migrations v9 and v8 (the city's confirmation of problems and
// experts), v7 (random ids) and v6 (the workflow) on a current store: back to
// the v5 shape, plans as PlanStore created them before "discarded".
const char* const kUndoV10 = R"sql(
ALTER TABLE problems DROP COLUMN confirmed;
ALTER TABLE experts DROP COLUMN confirmed;
)sql";
const char* const kUndoV9 = R"sql(
ALTER TABLE problems DROP COLUMN confirmed;
ALTER TABLE experts DROP COLUMN confirmed;
ALTER TABLE problems DROP COLUMN verified;
)sql";
const char* const kUndoV8 = R"sql(
ALTER TABLE problems DROP COLUMN confirmed;
ALTER TABLE experts DROP COLUMN confirmed;
ALTER TABLE problems DROP COLUMN verified;
ALTER TABLE experts DROP COLUMN verified;
)sql";
const char* const kUndoV6 = R"sql(
ALTER TABLE problems DROP COLUMN confirmed;
ALTER TABLE experts DROP COLUMN confirmed;
ALTER TABLE problems DROP COLUMN verified;
ALTER TABLE experts DROP COLUMN verified;
DROP INDEX reviews_by_seq;
ALTER TABLE reviews DROP COLUMN seq;
DROP TABLE problem_transitions;
ALTER TABLE reviews DROP COLUMN override;
DELETE FROM meta WHERE key = 'decision_sequence';
DROP TABLE plan_assignments;
DROP TABLE plans;
CREATE TABLE plans (
  id INTEGER PRIMARY KEY AUTOINCREMENT, county TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'superseded')),
  created_at TEXT NOT NULL DEFAULT '', approved_at TEXT NOT NULL DEFAULT '',
  approved_by TEXT NOT NULL DEFAULT '', body TEXT NOT NULL);
CREATE TABLE plan_assignments (
  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  expert_id TEXT NOT NULL, problem_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, expert_id, problem_id));
)sql";

// The workflow step (v6) reads nothing of v5 (token expiry): it runs the same
// from a v5 store and, after v5, from a v4 one.
TEST(StoreTest, MigrationToV6KeepsPlansAndTheirAssignments) {
  for (int from : {4, 5}) {
    SCOPED_TRACE("from v" + std::to_string(from));
    TempDir dir;
    { ASSERT_NE(open_store(dir.path()), nullptr); }
    // Back to the v4 shape: no transitions, no review override, plans as
    // PlanStore created them (before "discarded"), a problem still "open".
    run_sql(dir.path(), std::string(kUndoV6) + R"sql(
INSERT INTO plans (id, county, status, body) VALUES (7, 'K', 'approved', '{}');
INSERT INTO plan_assignments VALUES (7, 'e1', ''), (7, 'e1', 'p1');
INSERT INTO problems (id, enterprise, county, title, status) VALUES ('p1', 'E', 'K', 't', 'open');
PRAGMA user_version = )sql" +
                            std::to_string(from));
    // From v4, v5 (token expiry) runs first: its column goes too.
    if (from == 4) run_sql(dir.path(), "ALTER TABLE tokens DROP COLUMN expires_at");
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->schema_version(), 11);  // v6, v7 (ids), v8, v9 (confirmation), v10, v11
    auto p = store->get_problem("p1");
    ASSERT_TRUE(p.is_ok());
    EXPECT_EQ(p->status, ProblemStatus::kSubmitted);
    EXPECT_TRUE(p->verified);  // stored before v9: counts as confirmed
    EXPECT_EQ(*store->decision_sequence(), 0);
    // Foreign keys were off while the plans table was rebuilt: nothing cascaded.
    EXPECT_EQ(count(dir.path(), "SELECT COUNT(*) FROM plan_assignments WHERE plan_id = 7"), 2);
    // v7: the old sequential id stays, and is the plan's place in the order.
    EXPECT_EQ(count(dir.path(), "SELECT seq FROM plans WHERE id = 7"), 7);
    EXPECT_EQ(count(dir.path(), "SELECT COUNT(*) FROM plans WHERE id = 7 AND status = 'approved'"),
              1);
    run_sql(dir.path(), "UPDATE plans SET status = 'discarded' WHERE id = 7");  // allowed now
    // A status change and its transition, in one transaction.
    auto t = store->change_status({"p1", ProblemStatus::kSubmitted, ProblemStatus::kClosed,
                                   "county:K", "the enterprise moved away", ""});
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(store->get_problem("p1")->status, ProblemStatus::kClosed);
    auto again = store->change_status(
        {"p1", ProblemStatus::kSubmitted, ProblemStatus::kClosed, "county:K", "twice", ""});
    EXPECT_EQ(again.status().code(), ErrorCode::kConflict);
    auto history = store->list_transitions("p1");
    ASSERT_TRUE(history.is_ok());
    ASSERT_EQ(history->size(), 1u);
    EXPECT_EQ((*history)[0].change.note, "the enterprise moved away");
    EXPECT_EQ((*history)[0].change.by, "county:K");
    EXPECT_FALSE((*history)[0].at.empty());
    EXPECT_EQ(*store->decision_sequence(), 1);
  }
}

// Experts stored before v8 were imported or written under the old rules:
// they count as confirmed. From v8 on the store keeps what it is given.
// Problems stored before v9 count as confirmed (Problem::verified); from v9
// on the store keeps what it is given.
TEST(StoreTest, MigrationToV9ConfirmsEveryStoredProblemAndKeepsTheFlag) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->insert_problem(sample_problems()[0]).is_ok());
  }
  run_sql(dir.path(), std::string(kUndoV9) + "PRAGMA user_version = 8");
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 11);
  EXPECT_TRUE(store->get_problem(sample_problems()[0].id)->verified);
  Problem p = sample_problems()[1];
  p.verified = false;
  ASSERT_TRUE(store->insert_problem(p).is_ok());
  EXPECT_FALSE(store->get_problem(p.id)->verified);
  p.verified = true;
  ASSERT_TRUE(store->update_problem(p).is_ok());
  EXPECT_TRUE(store->get_problem(p.id)->verified);
}

// v10 keeps the version of a record the city last confirmed
// (confirmed_json) while the record is unconfirmed; a stored record gets an
// empty one, and a confirmed record never keeps one.
TEST(StoreTest, MigrationToV10KeepsTheLastConfirmedVersion) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->insert_problem(sample_problems()[0]).is_ok());
  }
  run_sql(dir.path(), std::string(kUndoV10) + "PRAGMA user_version = 9");
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 11);
  EXPECT_EQ(store->get_problem(sample_problems()[0].id)->confirmed_json, "");
  Problem p = sample_problems()[0];
  p.title = "edited by its enterprise";
  p.verified = false;
  p.confirmed_json = to_json(sample_problems()[0]);
  ASSERT_TRUE(store->update_problem(p).is_ok());
  EXPECT_EQ(store->get_problem(p.id)->confirmed_json, to_json(sample_problems()[0]));
  p.verified = true;  // confirmed again: the old version is not kept
  ASSERT_TRUE(store->update_problem(p).is_ok());
  EXPECT_EQ(store->get_problem(p.id)->confirmed_json, "");
  Expert e = sample_experts()[0];
  ASSERT_TRUE(store->put_expert(e).is_ok());
  Expert edited = e;
  edited.bio = "edited by a county";
  edited.verified = false;
  edited.confirmed_json = to_json(e);
  ASSERT_TRUE(store->update_expert(edited).is_ok());
  EXPECT_EQ(store->get_expert(e.id)->confirmed_json, to_json(e));
  EXPECT_EQ(store->get_expert(e.id)->bio, "edited by a county");
}

// v11 records what each decision concerns (DecisionScope). A decision made
// before it concerns every county, so a draft older than it stays stale; a
// decision after it concerns its problem's county and expert only.
TEST(StoreTest, MigrationToV11KeepsOldDecisionsConcerningEveryCounty) {
  TempDir dir;
  Problem p = sample_problems()[0];
  p.county = "L";
  Review r;
  r.problem_id = p.id;
  r.expert_id = "e9";
  r.decision = "reject";
  r.note = "does not fit";
  long long old_draft = 0;
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->put_problem(p).is_ok());
    auto plans = PlanStore::open(*store);
    ASSERT_TRUE(plans.is_ok());
    auto draft = (*plans)->add_draft("K", {"e1"}, {}, "{}", *store->decision_sequence());
    ASSERT_TRUE(draft.is_ok());
    old_draft = draft->id;
    ASSERT_TRUE(store->add_review(r).is_ok());
  }
  run_sql(dir.path(), "DROP TABLE decision_scopes; PRAGMA user_version = 10");
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 11);
  auto plans = PlanStore::open(*store);
  ASSERT_TRUE(plans.is_ok());
  EXPECT_EQ(*(*plans)->decisions_touching(*(*plans)->get(old_draft)), 1);
  auto fresh = (*plans)->add_draft("K", {"e1"}, {}, "{}", *store->decision_sequence());
  ASSERT_TRUE(fresh.is_ok());
  ASSERT_TRUE(store->add_review(r).is_ok());  // about L and e9
  EXPECT_EQ(*(*plans)->decisions_touching(*fresh), 0);
  r.expert_id = "e1";
  ASSERT_TRUE(store->add_review(r).is_ok());  // a rejection: about L only
  EXPECT_EQ(*(*plans)->decisions_touching(*fresh), 0);
  r.decision = "accept";
  ASSERT_TRUE(store->add_review(r).is_ok());  // takes e1's capacity, one of K's experts
  EXPECT_EQ(*(*plans)->decisions_touching(*fresh), 1);
}

TEST(StoreTest, MigrationToV8ConfirmsEveryStoredExpertAndKeepsTheFlag) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->put_expert(sample_experts()[0]).is_ok());
  }
  run_sql(dir.path(), std::string(kUndoV8) + "PRAGMA user_version = 7");
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 11);
  EXPECT_TRUE(store->get_expert("bearing-zhang")->verified);
  Expert e = sample_experts()[1];
  e.verified = false;
  ASSERT_TRUE(store->insert_expert(e).is_ok());
  EXPECT_FALSE(store->get_expert(e.id)->verified);
  e.verified = true;
  ASSERT_TRUE(store->update_expert(e).is_ok());
  EXPECT_TRUE(store->get_expert(e.id)->verified);
}

TEST(StoreTest, ImportStoresEveryRecordLosslessly) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  auto experts = sample_experts();
  auto problems = sample_problems();
  experts[0].extra_json = "{\"x_orcid\":\"0000\"}";
  experts[0].works[1].extra_json = "{\"doi\":\"10.1/x\"}";
  problems[0].extra_json = "{\"budget\":30}";
  ASSERT_TRUE(store->import(experts, problems).is_ok());

  auto counts = store->counts();
  ASSERT_TRUE(counts.is_ok());
  EXPECT_EQ(counts->experts, 9);
  EXPECT_EQ(counts->works, 24);
  EXPECT_EQ(counts->problems, 8);

  // Export from the store, re-import the text: identical to what went in.
  auto listed_e = store->list_experts();
  auto listed_p = store->list_problems();
  ASSERT_TRUE(listed_e.is_ok() && listed_p.is_ok());
  auto e2 = parse_experts_jsonl(to_jsonl(*listed_e), "experts.jsonl");
  auto p2 = parse_problems_jsonl(to_jsonl(*listed_p), "problems.jsonl");
  ASSERT_TRUE(e2.is_ok() && p2.is_ok());
  std::map<std::string, std::string> want, got;
  for (const auto& e : experts) want[e.id] = to_json(e);
  for (const auto& e : *e2) got[e.id] = to_json(e);
  EXPECT_EQ(got, want);
  want.clear();
  got.clear();
  for (const auto& p : problems) want[p.id] = to_json(p);
  for (const auto& p : *p2) got[p.id] = to_json(p);
  EXPECT_EQ(got, want);

  // Field by field for one expert with every kind of value.
  auto e = store->get_expert("bearing-zhang");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->name, "张伟");
  EXPECT_EQ(e->birth_year, 1975);
  EXPECT_EQ(e->fields, experts[0].fields);
  EXPECT_EQ(e->counties, experts[0].counties);
  ASSERT_EQ(e->works.size(), 3u);
  EXPECT_EQ(e->works[1].kind, WorkKind::kPatent);
  EXPECT_EQ(e->works[1].title, "一种轴承游隙自动测量装置");
  EXPECT_EQ(e->works[1].year, 2019);
  EXPECT_EQ(e->works[1].extra_json, "{\"doi\":\"10.1/x\"}");
  EXPECT_EQ(e->extra_json, "{\"x_orcid\":\"0000\"}");
  auto wood = store->get_expert("wood-sun");
  ASSERT_TRUE(wood.is_ok());
  EXPECT_FALSE(wood->birth_year.has_value());
  auto zhou = store->get_expert("bearing-zhou");
  ASSERT_TRUE(zhou.is_ok());
  EXPECT_FALSE(zhou->available);
  auto fluoro = store->get_expert("fluoro-wang");
  ASSERT_TRUE(fluoro.is_ok());
  EXPECT_EQ(fluoro->conflicts, std::vector<std::string>{"巨化集团"});
  auto solved = store->get_problem("p-wood");
  ASSERT_TRUE(solved.is_ok());
  EXPECT_EQ(solved->status, ProblemStatus::kSolved);
}

TEST(StoreTest, AnImportWrittenAsItIsReadIsKeptOnlyByItsCommit) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  const auto problems = sample_problems();
  const long long before = *store->change_sequence();
  {
    // Dropped without a commit: nothing of it stays, the sequence unchanged.
    auto writer = store->begin_import();
    ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
    for (const auto& p : problems) ASSERT_TRUE((*writer)->put(p).is_ok());
    ASSERT_TRUE((*writer)->put(sample_experts()[0]).is_ok());
  }
  EXPECT_EQ(store->counts()->problems, 0);
  EXPECT_EQ(store->counts()->experts, 0);
  EXPECT_TRUE(store->list_enterprises()->empty());
  EXPECT_EQ(*store->change_sequence(), before);
  {
    auto writer = store->begin_import();
    ASSERT_TRUE(writer.is_ok());
    for (const auto& p : problems) ASSERT_TRUE((*writer)->put(p).is_ok());
    ASSERT_TRUE((*writer)->commit().is_ok());
  }
  EXPECT_EQ(store->counts()->problems, static_cast<long long>(problems.size()));
  EXPECT_EQ(*store->change_sequence(), before + 1);
  auto back = store->get_problem(problems[0].id);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(to_json(*back), to_json(problems[0]));
  // The enterprises came with their problems, each once.
  std::set<std::string> enterprises;
  for (const auto& p : problems) enterprises.insert(p.enterprise);
  EXPECT_EQ(store->list_enterprises()->size(), enterprises.size());
}

TEST(StoreTest, ReimportOfAKnownIdUpdatesItAndReplacesItsWorks) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->import(sample_experts(), sample_problems()).is_ok());

  Expert e = sample_experts()[0];
  e.name = "张伟（更新）";
  e.capacity = 5;
  e.works = {fixture::make_work(WorkKind::kAward, "浙江省科学技术进步奖", "", {}, 2024)};
  Problem p = sample_problems()[1];
  p.urgency = 5;
  p.status = ProblemStatus::kWithdrawn;
  ASSERT_TRUE(store->import({e}, {p}).is_ok());

  auto got = store->get_expert(e.id);
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(got->name, "张伟（更新）");
  EXPECT_EQ(got->capacity, 5);
  ASSERT_EQ(got->works.size(), 1u);
  EXPECT_EQ(got->works[0].title, "浙江省科学技术进步奖");
  EXPECT_EQ(got->works[0].kind, WorkKind::kAward);
  auto gp = store->get_problem(p.id);
  ASSERT_TRUE(gp.is_ok());
  EXPECT_EQ(gp->urgency, 5);
  EXPECT_EQ(gp->status, ProblemStatus::kWithdrawn);

  auto counts = store->counts();
  ASSERT_TRUE(counts.is_ok());
  EXPECT_EQ(counts->experts, 9);
  EXPECT_EQ(counts->works, 24 - 3 + 1);
  EXPECT_EQ(counts->problems, 8);
}

TEST(StoreTest, GetListAndDelete) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->import(sample_experts(), sample_problems()).is_ok());

  // Lists are ordered by id.
  EXPECT_EQ(
      expert_ids(*store),
      (std::vector<std::string>{"battery-chen", "bearing-wu", "bearing-zhang", "bearing-zhou",
                                "fluoro-wang", "paper-li", "tea-zhao", "vision-liu", "wood-sun"}));
  EXPECT_EQ(problem_ids(*store),
            (std::vector<std::string>{"p-battery", "p-bearing", "p-fluoro", "p-paper", "p-tea",
                                      "p-vision", "p-withdrawn", "p-wood"}));

  auto missing = store->get_expert("nobody");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->get_problem("").status().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(store->delete_expert("paper-li").is_ok());
  EXPECT_EQ(store->get_expert("paper-li").status().code(), ErrorCode::kNotFound);
  auto counts = store->counts();
  ASSERT_TRUE(counts.is_ok());
  EXPECT_EQ(counts->experts, 8);
  EXPECT_EQ(counts->works, 21);  // the expert's 3 works went with it
  EXPECT_EQ(store->delete_expert("paper-li").code(), ErrorCode::kNotFound);

  ASSERT_TRUE(store->delete_problem("p-tea").is_ok());
  EXPECT_EQ(store->get_problem("p-tea").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->delete_problem("p-tea").code(), ErrorCode::kNotFound);
  EXPECT_EQ(problem_ids(*store).size(), 7u);

  // A deleted expert can be put back.
  ASSERT_TRUE(store->put_expert(sample_experts()[3]).is_ok());
  auto back = store->get_expert("paper-li");
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->works.size(), 3u);
}

TEST(StoreTest, ChangeSequenceGrowsWithEveryCommittedChangeOnly) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  auto seq = [&]() {
    auto s = store->change_sequence();
    EXPECT_TRUE(s.is_ok());
    return s.is_ok() ? *s : -1;
  };
  long long s0 = seq();
  ASSERT_TRUE(store->import(sample_experts(), sample_problems()).is_ok());
  long long s1 = seq();
  EXPECT_GT(s1, s0);
  ASSERT_TRUE(store->put_expert(sample_experts()[0]).is_ok());
  long long s2 = seq();
  EXPECT_GT(s2, s1);
  ASSERT_TRUE(store->put_problem(sample_problems()[0]).is_ok());
  long long s3 = seq();
  EXPECT_GT(s3, s2);
  ASSERT_TRUE(store->delete_problem("p-bearing").is_ok());
  long long s4 = seq();
  EXPECT_GT(s4, s3);
  ASSERT_TRUE(store->delete_expert("bearing-zhang").is_ok());
  long long s5 = seq();
  EXPECT_GT(s5, s4);
  // Failed operations change nothing.
  EXPECT_FALSE(store->delete_expert("bearing-zhang").is_ok());
  EXPECT_EQ(seq(), s5);
  // The sequence survives reopening.
  store.reset();
  store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(seq(), s5);
}

// A database-level failure in the middle of an import (a trigger that aborts on
// one record) must leave nothing of that import behind.
TEST(StoreTest, ImportIsAllOrNothingOnADatabaseFailure) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto experts = sample_experts();
  auto problems = sample_problems();
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->import({experts[0], experts[1]}, {problems[0]}).is_ok());
  }
  run_sql(dir.path(),
          "CREATE TRIGGER fail_on_boom BEFORE INSERT ON problems WHEN NEW.id = 'boom' "
          "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  auto before_seq = store->change_sequence();
  ASSERT_TRUE(before_seq.is_ok());

  // Updates of known records, new experts, and problems before and after the bad one.
  Expert changed = experts[0];
  changed.name = "改过的名字";
  changed.works.clear();
  Problem boom = problems[1];
  boom.id = "boom";
  Problem changed_p = problems[0];
  changed_p.title = "改过的标题";
  Status s =
      store->import({changed, experts[2], experts[3]}, {changed_p, problems[2], boom, problems[3]});
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), ErrorCode::kIOError);
  EXPECT_NE(s.message().find("injected failure"), std::string::npos) << s.message();

  EXPECT_EQ(expert_ids(*store), (std::vector<std::string>{"bearing-wu", "bearing-zhang"}));
  EXPECT_EQ(problem_ids(*store), std::vector<std::string>{"p-bearing"});
  auto e = store->get_expert(experts[0].id);
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->name, experts[0].name);
  EXPECT_EQ(e->works.size(), experts[0].works.size());
  auto p = store->get_problem(problems[0].id);
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->title, problems[0].title);
  auto counts = store->counts();
  ASSERT_TRUE(counts.is_ok());
  EXPECT_EQ(counts->works, static_cast<int>(experts[0].works.size() + experts[1].works.size()));
  auto after_seq = store->change_sequence();
  ASSERT_TRUE(after_seq.is_ok());
  EXPECT_EQ(*after_seq, *before_seq);

  // The store is still usable afterwards.
  ASSERT_TRUE(store->import({changed}, {changed_p}).is_ok());
  EXPECT_EQ(store->get_expert(experts[0].id)->name, "改过的名字");
}

// --- The CLI: `expertmatch import` validates both files before writing. ---

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CliRun run_binary(const std::vector<std::string>& args, const std::string& out_file) {
  CliRun r;
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) ::_exit(127);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    // The language a user gets without asking (Chinese), whatever the
    // test's own environment says.
    ::unsetenv("LC_ALL");
    ::unsetenv("LC_MESSAGES");
    ::setenv("LANG", "C.UTF-8", 1);
    std::vector<char*> argv;
    std::string binary = EXPERTMATCH_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  std::ifstream in(out_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.output = ss.str();
  return r;
}

TEST(StoreCliTest, ValidateAndImportWarnAboutRepeatedWorks) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string experts_path = dir.file("experts.jsonl");
  // The same work twice, the second with other spacing and punctuation: legal,
  // counted once by matching, and worth a warning (not an error).
  const std::string record =
      R"({"id": "rep-b", "name": "乙", "works": [)"
      R"({"kind": "paper", "title": "深沟球轴承润滑脂高速渗漏机理与密封结构改进", "abstract": "研究带密封圈深沟球轴承在高速运转时润滑脂从密封唇口渗出的原因。"}, )"
      R"({"kind": "paper", "title": "深沟球轴承润滑脂高速渗漏机理与密封结构改进 ", "abstract": "研究带密封圈深沟球轴承在高速运转时润滑脂从密封唇口渗出的原因."}]})"
      "\n";
  ASSERT_TRUE(write_file_atomically(experts_path, record).is_ok());
  const std::string warning =
      "warning: " + experts_path +
      ": expert \"rep-b\": work 2 (\"深沟球轴承润滑脂高速渗漏机理与密封结构改进 \") repeats work 1 "
      "(\"深沟球轴承润滑脂高速渗漏机理与密封结构改进\"), identical or nearly so; it counts once";
  CliRun v = run_binary({"validate", "--experts", experts_path}, dir.file("v.txt"));
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find(warning), std::string::npos) << v.output;
  CliRun i = run_binary({"import", "--data", dir.file("data"), "--experts", experts_path},
                        dir.file("i.txt"));
  EXPECT_EQ(i.exit_code, 0) << i.output;
  EXPECT_NE(i.output.find(warning), std::string::npos) << i.output;
  EXPECT_NE(i.output.find("imported 1 experts (2 works)"), std::string::npos) << i.output;
}

TEST(StoreCliTest, ImportValidatesEverythingBeforeWriting) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string data = dir.file("data");
  const std::string experts_path = dir.file("experts.jsonl");
  const std::string problems_path = dir.file("problems.jsonl");
  auto experts = sample_experts();
  auto problems = sample_problems();

  // A first, good import of part of the corpus.
  ASSERT_TRUE(write_file_atomically(experts_path, to_jsonl({experts[0], experts[1]})).is_ok());
  ASSERT_TRUE(write_file_atomically(problems_path, to_jsonl({problems[0]})).is_ok());
  CliRun ok =
      run_binary({"import", "--data", data, "--experts", experts_path, "--problems", problems_path},
                 dir.file("out1.txt"));
  ASSERT_EQ(ok.exit_code, 0) << ok.output;

  // Then a file whose second record is bad, after good records that would
  // update known ids and add new ones.
  Expert changed = experts[0];
  changed.name = "不应写入";
  ASSERT_TRUE(
      write_file_atomically(experts_path, to_jsonl({changed, experts[2], experts[3]})).is_ok());
  std::string bad_problems = to_json(problems[1]) + "\n" +
                             "{\"id\":\"p-bad\",\"enterprise\":\"e\",\"county\":\"c\","
                             "\"title\":\"t\",\"description\":\"\",\"urgency\":\"high\"}\n" +
                             to_json(problems[2]) + "\n";
  ASSERT_TRUE(write_file_atomically(problems_path, bad_problems).is_ok());
  CliRun bad =
      run_binary({"import", "--data", data, "--experts", experts_path, "--problems", problems_path},
                 dir.file("out2.txt"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  // Each reason in the user's language (a new user found validate and
  // import speaking English while demo and plan spoke Chinese).
  EXPECT_NE(
      bad.output.find(problems_path + ":2: urgency: 必须是 1 到 5 之间的整数，收到的是 \"high\""),
      std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find("nothing was imported"), std::string::npos) << bad.output;

  auto store = open_store(data);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(expert_ids(*store), (std::vector<std::string>{"bearing-wu", "bearing-zhang"}));
  EXPECT_EQ(problem_ids(*store), std::vector<std::string>{"p-bearing"});
  EXPECT_EQ(store->get_expert("bearing-zhang")->name, experts[0].name);
}

// ---- creates, tokens, backup, checkpoints (issue 10) --------------------------

TEST(StoreTest, ACreateNeverOverwritesAndAnUpdateNeverCreates) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  Problem p = sample_problems()[0];
  ASSERT_TRUE(store->insert_problem(p).is_ok());
  auto seq = store->change_sequence();
  Problem other = p;
  other.title = "另一个写入者的标题";
  Status again = store->insert_problem(other);
  EXPECT_EQ(again.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store->get_problem(p.id)->title, p.title);
  EXPECT_EQ(*store->change_sequence(), *seq) << "a refused create commits nothing";
  ASSERT_TRUE(store->update_problem(other).is_ok());
  EXPECT_EQ(store->get_problem(p.id)->title, "另一个写入者的标题");
  Problem absent = p;
  absent.id = "no-such-problem";
  EXPECT_EQ(store->update_problem(absent).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->get_problem("no-such-problem").status().code(), ErrorCode::kNotFound);

  Expert e = sample_experts()[0];
  ASSERT_TRUE(store->insert_expert(e).is_ok());
  Expert renamed = e;
  renamed.name = "冒名";
  renamed.works.clear();
  EXPECT_EQ(store->insert_expert(renamed).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store->get_expert(e.id)->works.size(), e.works.size());
  Expert ghost = e;
  ghost.id = "ghost";
  EXPECT_EQ(store->update_expert(ghost).code(), ErrorCode::kNotFound);
}

TEST(StoreTest, TheSameCreateFromTwoConnectionsStoresOneRecord) {
  // Two processes (or a server and an import) each with their own connection.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto a = open_store(dir.path());
  auto b = open_store(dir.path());
  ASSERT_TRUE(a && b);
  Problem first = sample_problems()[0];
  Problem second = first;
  second.title = "第二个连接";
  ASSERT_TRUE(a->insert_problem(first).is_ok());
  EXPECT_EQ(b->insert_problem(second).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(b->get_problem(first.id)->title, first.title);
}

TEST(StoreTest, WithoutCreateAMissingOrEmptyStoreIsNotFound) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  StoreOptions no_create;
  no_create.create_if_missing = false;
  // A directory without a store (a mistyped --data that happens to exist).
  EXPECT_EQ(Store::open(dir.path(), no_create).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.file("store.sqlite")));
  // An empty file, and a SQLite database without our schema.
  std::ofstream(dir.file("store.sqlite")).close();
  EXPECT_EQ(Store::open(dir.path(), no_create).status().code(), ErrorCode::kNotFound);
  run_sql(dir.path(), "CREATE TABLE unrelated (x)");
  EXPECT_EQ(Store::open(dir.path(), no_create).status().code(), ErrorCode::kNotFound);
  TempDir fresh;
  { ASSERT_NE(open_store(fresh.path()), nullptr); }
  EXPECT_TRUE(Store::open(fresh.path(), no_create).is_ok()) << "an empty but real store opens";
}

TokenRecord token(const std::string& hash, const std::string& role, const std::string& scope) {
  TokenRecord t;
  t.hash = hash;
  t.role = role;
  t.scope = scope;
  return t;
}

TEST(StoreTest, TokensAreListedAndRevokedByIdAndSeenAtOnceByOtherConnections) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto server = open_store(dir.path());  // as a running server
  auto cli = open_store(dir.path());     // as `expertmatch token ...`
  ASSERT_TRUE(server && cli);
  const std::string h1 = std::string(8, 'a') + std::string(56, '1');
  const std::string h2 = std::string(8, 'a') + std::string(56, '2');
  const std::string h3 = std::string(64, 'b');
  ASSERT_TRUE(cli->put_token(token(h1, "county", "江山市")).is_ok());
  ASSERT_TRUE(cli->put_token(token(h2, "admin", "")).is_ok());
  TokenRecord expiring = token(h3, "enterprise", "某企业");
  expiring.expires_at = "2030-01-01T00:00:00Z";
  ASSERT_TRUE(cli->put_token(expiring).is_ok());
  EXPECT_EQ(cli->put_token(token(h3, "admin", "")).code(), ErrorCode::kAlreadyExists);

  auto listed = server->list_tokens();
  ASSERT_TRUE(listed.is_ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ(listed->at(2).id(), "bbbbbbbbbbbb");
  EXPECT_EQ(listed->at(2).expires_at, "2030-01-01T00:00:00Z");
  EXPECT_FALSE(server->find_token(h1)->revoked);

  EXPECT_EQ(cli->revoke_token("aaaaaaaa").status().code(), ErrorCode::kInvalidArgument)
      << "ambiguous";
  EXPECT_EQ(cli->revoke_token("aaaa").status().code(), ErrorCode::kInvalidArgument) << "too short";
  EXPECT_EQ(cli->revoke_token("AAAAAAAA1").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(cli->revoke_token("aaaa%aaa").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(cli->revoke_token("cccccccc").status().code(), ErrorCode::kNotFound);
  auto revoked = cli->revoke_token("aaaaaaaa1");
  ASSERT_TRUE(revoked.is_ok()) << revoked.status().to_string();
  EXPECT_EQ(revoked->hash, h1);
  // The server's connection sees the other connection's revocation at once.
  EXPECT_TRUE(server->find_token(h1)->revoked);
  EXPECT_FALSE(server->find_token(h2)->revoked);
  EXPECT_TRUE(cli->revoke_token(h1.substr(0, 12)).is_ok()) << "idempotent";
}

TEST(StoreTest, MigrationToV5KeepsTokensAndTheyNeverExpire) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->put_token(token(std::string(64, 'c'), "admin", "")).is_ok());
  }
  // Back to the v4 shape, as a store written by the previous release.
  run_sql(dir.path(), std::string(kUndoV6) +
                          "ALTER TABLE tokens DROP COLUMN expires_at; PRAGMA user_version = 4");
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 11);  // v5, v6 (the workflow), v7 (ids), v8-v11
  auto t = store->find_token(std::string(64, 'c'));
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->expires_at, "");
  EXPECT_EQ(t->role, "admin");
}

TEST(StoreTest, ABackupIsOneSelfContainedFileWithEveryCommittedRecord) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = open_store(dir.path() + "/data");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->import(sample_experts(), sample_problems()).is_ok());
  ASSERT_TRUE(store->put_token(token(std::string(64, 'd'), "admin", "")).is_ok());
  // Another connection holds the WAL open, as a running server does.
  auto server = open_store(dir.path() + "/data");
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server
                  ->insert_problem([] {
                    Problem p = sample_problems()[0];
                    p.id = "written-by-the-server";
                    return p;
                  }())
                  .is_ok());
  const std::string out = dir.file("backup.sqlite");
  ASSERT_TRUE(store->backup_to(out).is_ok());
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(out + "-wal"));

  std::filesystem::create_directories(dir.file("restored"));
  std::filesystem::copy_file(out, dir.file("restored/store.sqlite"));
  StoreOptions no_create;
  no_create.create_if_missing = false;
  auto restored = Store::open(dir.file("restored"), no_create);
  ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
  auto counts = (*restored)->counts();
  EXPECT_EQ(counts->experts, 9);
  EXPECT_EQ(counts->problems, 9);
  EXPECT_TRUE((*restored)->get_problem("written-by-the-server").is_ok());
  EXPECT_TRUE((*restored)->find_token(std::string(64, 'd')).is_ok());

  // A failed backup leaves no file behind.
  EXPECT_EQ(store->backup_to(dir.file("no/such/dir/backup.sqlite")).code(), ErrorCode::kIOError);
  EXPECT_FALSE(std::filesystem::exists(dir.file("no")));
  // An empty path is refused as empty (an attack trial got ": rename: No
  // such file or directory").
  Status empty = store->backup_to("");
  EXPECT_EQ(empty.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(empty.message(),
            "refused to write the backup: its path is empty; name the file to write");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The names in a folder, for "nothing was written there".
std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.insert(e.path().filename().string());
  return out;
}

ino_t inode_of(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// An attack trial wrote `backup --out DATA/lock`, then DATA/store.sqlite and
// DATA/store.sqlite-wal, beside a running server: a second server got in, and
// the first one's later writes went to deleted files.
TEST(StoreTest, ABackupIsNeverWrittenIntoADataDirectoryNorOverAFileItDidNotMake) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = open_store(dir.file("data"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->import(sample_experts(), sample_problems()).is_ok());
  std::ofstream(dir.file("data/lock"))
      << "pid 1, expertmatch serve, started 2026-11-30T00:00:00Z\n";
  std::filesystem::create_directories(dir.file("data/index"));
  auto other = open_store(dir.file("other"));
  ASSERT_NE(other, nullptr);
  std::filesystem::create_directories(dir.file("locked-only"));
  std::ofstream(dir.file("locked-only/lock")).close();

  struct Case {
    std::string out;
    std::string folder;  // nothing may appear or change there
  };
  const std::vector<Case> cases = {
      {dir.file("data/lock"), dir.file("data")},
      {dir.file("data/store.sqlite"), dir.file("data")},
      {dir.file("data/store.sqlite-wal"), dir.file("data")},
      {dir.file("data/backup.sqlite"), dir.file("data")},
      {dir.file("data/index/backup.sqlite"), dir.file("data/index")},
      {dir.file("data/../data/store.sqlite"), dir.file("data")},
      {dir.file("other/store.sqlite"), dir.file("other")},
      {dir.file("other/backup.sqlite"), dir.file("other")},
      {dir.file("locked-only/backup.sqlite"), dir.file("locked-only")},
  };
  for (const auto& c : cases) {
    std::set<std::string> before = names_in(c.folder);
    ino_t store_inode = inode_of(dir.file("data/store.sqlite"));
    std::string lock_text = read_file(dir.file("data/lock"));
    Status s = store->backup_to(c.out);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.out << ": " << s.to_string();
    EXPECT_NE(s.message().find("is a data directory"), std::string::npos) << s.message();
    EXPECT_EQ(names_in(c.folder), before) << c.out;
    EXPECT_EQ(inode_of(dir.file("data/store.sqlite")), store_inode) << c.out;
    EXPECT_EQ(read_file(dir.file("data/lock")), lock_text) << c.out;
  }

  // Outside every data directory: a new name is written; an existing file is
  // replaced only if it is an earlier backup.
  const std::string notes = dir.file("notes.txt");
  std::ofstream(notes) << "keep me";
  Status s = store->backup_to(notes);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find("is not a backup made by expertmatch backup"), std::string::npos)
      << s.message();
  EXPECT_EQ(read_file(notes), "keep me");
  // An SQLite database that is not a backup (here: another store's copy) is not one either.
  const std::string foreign = dir.file("foreign.sqlite");
  std::filesystem::copy_file(dir.file("other/store.sqlite"), foreign);
  const std::string foreign_bytes = read_file(foreign);
  EXPECT_EQ(store->backup_to(foreign).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(read_file(foreign), foreign_bytes);
  // A symbolic link to a file is not replaced, nor its target.
  std::filesystem::create_symlink(notes, dir.file("link.sqlite"));
  EXPECT_EQ(store->backup_to(dir.file("link.sqlite")).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(read_file(notes), "keep me");

  const std::string out = dir.file("nightly.sqlite");
  ASSERT_TRUE(store->backup_to(out).is_ok());
  ino_t first = inode_of(out);
  ASSERT_TRUE(store
                  ->insert_problem([] {
                    Problem p = sample_problems()[0];
                    p.id = "after-the-first-backup";
                    return p;
                  }())
                  .is_ok());
  Status again = store->backup_to(out);
  ASSERT_TRUE(again.is_ok()) << again.to_string();
  EXPECT_NE(inode_of(out), first) << "the earlier backup was replaced";
  std::set<std::string> left = names_in(dir.path());
  EXPECT_EQ(left, (std::set<std::string>{"data", "other", "locked-only", "notes.txt",
                                         "foreign.sqlite", "link.sqlite", "nightly.sqlite"}))
      << "no temporary file is left behind";
  std::filesystem::create_directories(dir.file("restored"));
  std::filesystem::copy_file(out, dir.file("restored/store.sqlite"));
  StoreOptions no_create;
  no_create.create_if_missing = false;
  auto restored = Store::open(dir.file("restored"), no_create);
  ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
  EXPECT_TRUE((*restored)->get_problem("after-the-first-backup").is_ok());
}

// The same store through a second name would be a second data directory with
// a lock of its own (an attack trial's PATCH through it overwrote a write
// acknowledged by the server on the first), or, hard linked, a second WAL.
TEST(StoreTest, AStoreReachedThroughALinkIsRefused) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_NE(open_store(dir.file("data")), nullptr);
  StoreOptions existing;
  existing.create_if_missing = false;
  std::filesystem::create_directories(dir.file("by-symlink"));
  std::filesystem::create_symlink(dir.file("data/store.sqlite"),
                                  dir.file("by-symlink/store.sqlite"));
  auto s = Store::open(dir.file("by-symlink"), existing);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kConflict);
  EXPECT_NE(s.status().message().find("is a symbolic link to " + dir.file("data/store.sqlite")),
            std::string::npos)
      << s.status().message();
  StoreOptions read_only = existing;
  read_only.read_only = true;
  EXPECT_EQ(Store::open(dir.file("by-symlink"), read_only).status().code(), ErrorCode::kConflict);
  // A dangling link is a link, not a missing store (which would invite
  // creating one).
  std::filesystem::create_directories(dir.file("by-dangling-link"));
  std::filesystem::create_symlink(dir.file("nowhere/store.sqlite"),
                                  dir.file("by-dangling-link/store.sqlite"));
  auto dangling = Store::open(dir.file("by-dangling-link"), existing);
  EXPECT_EQ(dangling.status().code(), ErrorCode::kConflict) << dangling.status().message();
  EXPECT_EQ(dangling.status().message(),
            dir.file("by-dangling-link/store.sqlite") + " is a symbolic link to " +
                dir.file("nowhere/store.sqlite") +
                "; a store must be a regular file with one name in its data directory, so that "
                "one lock covers it (copy a store with expertmatch backup, never link it)");

  std::filesystem::create_directories(dir.file("by-hard-link"));
  std::filesystem::create_hard_link(dir.file("data/store.sqlite"),
                                    dir.file("by-hard-link/store.sqlite"));
  for (const char* d : {"by-hard-link", "data"}) {
    auto h = Store::open(dir.file(d), existing);
    ASSERT_FALSE(h.is_ok()) << d;
    EXPECT_EQ(h.status().code(), ErrorCode::kConflict);
    EXPECT_NE(h.status().message().find("has 2 names (hard links)"), std::string::npos)
        << h.status().message();
  }
  std::filesystem::remove(dir.file("by-hard-link/store.sqlite"));
  EXPECT_TRUE(Store::open(dir.file("data"), existing).is_ok()) << "one name again";
}

// The writer process ends without closing the store (a crash); the WAL and
// its index are then deleted, as an operator "cleaning up" might.
void crash_after_write(const std::string& dir, const StoreOptions& options, bool checkpoint) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = Store::open(dir, options);
    Problem p = sample_problems()[0];
    p.id = "acknowledged";
    if (!store || !(*store)->insert_problem(p)) ::_exit(1);
    if (checkpoint && !(*store)->checkpoint()) ::_exit(2);
    if (options.checkpoint_interval_ms > 0) {
      // Wait for the background checkpointer (bounded: a safety net only).
      for (int i = 0; i < 2000; ++i) {
        struct stat st;
        if (::stat((dir + "/store.sqlite-wal").c_str(), &st) == 0 && st.st_size == 0) break;
        ::usleep(10 * 1000);
      }
    }
    ::_exit(0);  // no destructor: the connection is never closed
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::filesystem::remove(dir + "/store.sqlite-wal");
  std::filesystem::remove(dir + "/store.sqlite-shm");
}

TEST(StoreTest, ACheckpointedWriteSurvivesTheLossOfTheWal) {
  for (bool background : {false, true}) {
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    { ASSERT_NE(open_store(dir.path()), nullptr); }
    StoreOptions options;
    options.checkpoint_interval_ms = background ? 20 : 0;
    crash_after_write(dir.path(), options, !background);
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->get_problem("acknowledged").is_ok()) << "background " << background;
  }
}

}  // namespace
}  // namespace expertmatch
