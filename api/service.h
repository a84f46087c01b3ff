// Service: the state behind the HTTP API, in domain terms.
//
// It owns the Store (durable truth) and a CorpusIndex (derived, in memory,
// saved on shutdown) and keeps both consistent: every accepted write is
// validated, committed to the store (fsynced), then applied to the index and
// the in-memory records, and only then reported ok. Reads and rankings see
// either the state before a write or after it, never half of one.
//
// Every method takes the calling Principal and applies the access rules of
// access.h: kPermissionDenied when the caller's role or scope forbids the
// action, kNotFound for a problem the caller may not know exists (exactly as
// for one that does not exist). Errors are domain Status codes; api/routes.cpp
// turns them into HTTP statuses.
//
// Thread safety: every method may be called from any thread. Reads share a
// reader/writer lock; writes are serialised among themselves and hold the
// lock exclusively only while the in-memory state changes (not during fsync,
// nor while a written record's text is analysed and embedded).
//
// Long reads never hold the lock for their whole run. A plan run and the
// review queue rank a county's open problems `rank_chunk` at a time, each
// chunk under one shared lock, released between chunks; a waiting writer
// takes the lock there (glibc's rwlock switches to the writer when the last
// reader leaves), so another tenant's write or read waits at most about one
// chunk's ranking, however many problems the county has. Each chunk sees a
// whole state (a write is before or after it, never half of it); chunks may
// see different states. A data version tells whether they did: every write
// advances it and records which county's problems it changed, or that it
// changed what every county's ranking reads (an expert, an import, a rebuilt
// index). A plan whose county changed that way while it ran is stored stale
// (PlanStore::kInputChanged: shown "stale": true, never approved); the review
// queue ranks again (at most kQueueAttempts times in all) and then
// re-checks every entry against the current state at its end.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "api/access.h"
#include "api/metrics.h"
#include "corpus/counties.h"
#include "corpus/data_dir_lock.h"
#include "corpus/ledger.h"
#include "corpus/model.h"
#include "corpus/names.h"
#include "corpus/plan_store.h"
#include "corpus/status.h"
#include "corpus/store.h"
#include "indexer/corpus_index.h"
#include "matcher/matcher.h"
#include "matcher/plan_service.h"

namespace expertmatch::api {

struct ServiceOptions {
  IndexConfig index;    // how DATA/index is built (must match to be loaded)
  MatchConfig match;    // the matcher's weights (matcher/ owns the defaults)
  CountyList counties;  // the counties records and plans may name
  // Create DATA and an empty store if there is none (`serve --create`).
  // Without it a missing store, or a file without an expertmatch schema, is
  // kNotFound: a mistyped --data must not start an empty service.
  bool create_store = false;
  // How often the store's WAL is checkpointed into store.sqlite while it is
  // not empty (StoreOptions::checkpoint_interval_ms; docs/operations.md).
  int checkpoint_interval_ms = 1000;
  // Open problems one enterprise may have when a caller other than admin
  // files or moves one there (409 problem.open_quota beyond): 1-2 become key
  // topics, and one token's flood of problems would otherwise slow every
  // plan run and review queue of its county. 0 = no limit.
  int max_open_problems_per_enterprise = 100;
  // Open problems a plan run or the review queue ranks under one shared lock
  // (see the thread safety note above); at least 1. Smaller lets writers in
  // sooner at no cost in results: ranking one problem takes milliseconds to
  // tens of milliseconds (docs/performance.md).
  size_t rank_chunk = 4;
  // Called between two chunks of a long ranking, with no lock held, on the
  // thread that runs it. The server hands its expensive slot to a waiting
  // request there (ExpensiveSlots::yield); a test may pause a plan run here
  // (the server calls the test's hook first).
  std::function<void()> between_chunks;
  // Problems filed for one enterprise in the last 24 hours, withdrawn ones
  // included, by a caller other than admin (409 problem.daily_quota beyond):
  // the open quota alone let a create-then-withdraw loop add records without
  // end, and every record stays in memory, the ledger and every scan. The
  // window is kept in memory: a restart forgets it. 0 = no limit.
  int max_problems_per_enterprise_per_day = 100;
  // Enterprises registered in one county by a caller other than admin,
  // through POST /enterprises or a problem naming a new enterprise (409
  // enterprise.county_quota beyond). 0 = no limit.
  int max_enterprises_per_county = 2000;
  // Drafts one county's plans may hold at once (409 plan.draft_quota beyond:
  // approve or discard one first). Each is a whole plan (tens of KB) that
  // every plan list reads. 0 = no limit.
  int max_plan_drafts_per_county = 20;
  // Experts stationed in one county that the city has not confirmed (what a
  // county token creates, or turns unconfirmed by its edit): 409
  // expert.unconfirmed_quota beyond, until admin confirms some. Each is up
  // to a request body of text that the store, the index and every restart
  // hold, though it counts only in its county. 0 = no limit.
  int max_unconfirmed_experts_per_county = 200;
};

// A search text (ProblemQuery::text, ExpertQuery::text) has at most this many
// distinct words, each at most this many bytes once normalised; a repeated
// word counts once. Beyond either the list is kInvalidArgument about "q": one
// search costs at most kMaxSearchWords linear passes over each record's text.
inline constexpr size_t kMaxSearchWords = 16;
// 256 bytes: 85 Han characters, so a pasted problem title is one word that
// fits (64 bytes refused a Chinese phrase of 22 characters); the search stays
// linear in the text (Boyer-Moore), so the bound is on total work, not taste.
inline constexpr size_t kMaxSearchWordBytes = 256;

// Problem list filters; unset = any.
struct ProblemQuery {
  // Words that must all occur (after NFKC casefolding and Traditional ->
  // Simplified) in the title, description, keywords or industry; at most
  // kMaxSearchWords distinct words of kMaxSearchWordBytes.
  std::optional<std::string> text;
  std::optional<std::string> industry;  // exactly
  std::optional<std::string> county;
  std::optional<std::string> enterprise;
  std::optional<ProblemStatus> status;
  bool open_only = false;          // status=open: submitted, matched or in_progress
  std::optional<int> urgency;      // exactly this urgency
  std::optional<int> min_urgency;  // at least this urgency
  std::optional<bool> verified;    // Problem::verified (false: awaiting the city)
  std::string sort = "id";         // id, urgency, submitted; "-" prefix = descending
  size_t offset = 0;
  size_t limit = 50;
};

struct ExpertQuery {
  // Words that must all occur (normalised as for problems) in the name,
  // research fields, bio or a work's title, abstract or keywords (bounded
  // as ProblemQuery::text).
  std::optional<std::string> text;
  std::optional<std::string> college;
  std::optional<std::string> field;   // one of the expert's research fields, exactly
  std::optional<std::string> county;  // stationed in / prefers this county
  std::optional<bool> available;
  std::optional<bool> verified;  // Expert::verified: false lists what awaits the city
  size_t offset = 0;
  size_t limit = 50;
};

template <typename T>
struct Page {
  std::vector<T> items;
  size_t total = 0;  // matching records before offset/limit
};

// The decision in force for a (problem, expert) pair, if any.
enum class PairState { kNone, kAccepted, kRejected };

// Why a ranking holds no good match, in words a county official or the
// enterprise reads: `reason` is Matcher::coverage's name (coverage_name:
// "not_technical", "no_research", "only_excluded", "no_words"), or "busy"
// when good matches exist but none is shown: every such expert has no
// capacity left or was rejected for this problem, or (match_text only)
// "filtered" when the query's own filters (county, college, title, age) left
// every good expert out. `message` is the catalogue's sentence for it
// (planner.uncovered.*, matches.none_busy, matches.none_filtered).
struct NoGoodMatch {
  std::string reason;
  i18n::Message message;
};

struct ProblemMatches {
  Problem problem;
  // Experts accepted for the problem first (in score order), then the rest,
  // best first.
  std::vector<ExpertMatch> matches;
  std::map<std::string, PairState> states;  // expert id -> decision in force
  // Expert id -> capacity minus every engagement (accepted matches and
  // approved key topics on open problems, this one included): the same
  // number in every view.
  std::map<std::string, int> remaining;
  int rejected_excluded = 0;                 // experts left out as rejected for this problem
  std::optional<NoGoodMatch> no_good_match;  // set iff no match shown is good
};

// Where a problem stands, in words its enterprise reads (a catalogue
// message: standing.*).
struct ProblemStanding {
  Problem problem;
  i18n::Message message;
  // No expert is a good match for a submitted problem: the county follows up.
  bool county_follows_up = false;
  std::vector<std::string> accepted_experts;  // names of the experts accepted for it
  // Names of the experts who work on it (Service::workers_locked: accepted
  // matches, then approved key topics' leaders not rejected since), by id:
  // the same people the ledger and the plan's attention list name.
  std::vector<std::string> experts;
};

// A problem's record: its status changes and the coordinators' decisions on
// its pairs, each oldest first (the store's order). Reviews are left out for
// an enterprise: their notes are internal (as GET /problems/{id}/reviews).
struct ProblemHistory {
  std::vector<ProblemTransition> transitions;
  std::vector<Review> reviews;
  std::map<std::string, std::string> expert_names;  // expert id -> name, for the reviews
};

// A key topic of an approved plan whose leader a coordinator rejected after
// the approval: the county must reassign it (docs/planning.md). Derived from
// the review in force, never stored, so it ends when the pair is accepted
// again or a later plan of the county is approved.
struct TopicAttention {
  std::string problem_id;
  std::string expert_id;
  std::string expert_name;  // the id when the expert is no longer known
  Review rejection;         // who rejected, when (UTC), why
  // Names of who works on the problem now (workers_locked), by id.
  std::vector<std::string> working;
  // plan.attention.rejected (nobody on it now) or plan.attention.replaced
  // (naming `working`), for people.
  i18n::Message message;
};

// One entry of a coordinator's review queue: a good match nobody reviewed yet.
struct QueueEntry {
  Problem problem;
  ExpertMatch match;
  int remaining_capacity = 0;
};

struct ReviewQueueQuery {
  std::optional<std::string> county;  // default: the caller's county (admin: every county)
  size_t offset = 0;
  size_t limit = 50;
};

// A requested status change (POST /problems/{id}/status).
struct StatusRequest {
  ProblemStatus to = ProblemStatus::kSubmitted;
  std::string note;     // the reason (required for closed and withdrawn)
  std::string outcome;  // required for solved: what was done, by whom, when
};

struct ExpertProblemMatches {
  Expert expert;
  int remaining_capacity = 0;
  std::vector<ProblemMatch> matches;
};

// An ad-hoc query for POST /match.
struct TextQuery {
  std::string title;
  std::string description;
  std::vector<std::string> keywords;
  MatchFilters filters;
  int k = 10;
};

// A change to a stored record, made from its current value (PUT: the new
// record; PATCH: the current one with a merge patch applied). Called under
// the service's write lock, after the caller was found allowed to see the
// record; an error status is returned to the caller unchanged.
using ProblemEdit = std::function<Result<Problem>(const Problem& current)>;
using ExpertEdit = std::function<Result<Expert>(const Expert& current)>;

struct ImportCounts {
  size_t experts = 0;
  size_t problems = 0;
  // Imported exactly as held while the city has not confirmed them (an
  // export imported back): they keep that state (Service::import_jsonl).
  size_t unconfirmed_kept = 0;
};

// What the service reports about itself: exactly the gauges /metrics renders.
using ServiceStats = Gauges;

class Service {
 public:
  // Takes DATA's DataDirLock (one writer process per data directory: a
  // second Service, server or `import` on DATA is kUnavailable, naming the
  // holder), opens DATA/store.sqlite, loads every record and opens DATA/index
  // (rebuilding it if missing or stale; if the rebuilt index cannot be saved
  // it is served from memory and the failure logged). kNotFound if there is
  // no store and options.create_store is false. An empty corpus has no index
  // yet: matching is kUnavailable until the first records arrive. `log`
  // receives one line per notable event (e.g. why the index was rebuilt).
  // The lock is held until the Service is destroyed. With `lock` (from
  // lock_data_dir on the same DATA), that lock is used instead of taking it.
  static Result<std::unique_ptr<Service>> open(const std::string& data_dir,
                                               const ServiceOptions& options,
                                               std::vector<std::string>* log = nullptr,
                                               std::unique_ptr<DataDirLock> lock = nullptr);
  // The first, quick step of open(): kNotFound if DATA has no store and
  // options.create_store is false (checked before locking, so a mistyped
  // --data leaves nothing behind); creates DATA if asked to; takes its
  // DataDirLock for "expertmatch serve" (kUnavailable naming the holder,
  // kConflict for a linked store: corpus/data_dir_lock.h). For a server that
  // answers health checks while the rest of open() runs.
  static Result<std::unique_ptr<DataDirLock>> lock_data_dir(const std::string& data_dir,
                                                            const ServiceOptions& options);
  ~Service();

  // Resolves an Authorization header against the store on every call (a
  // primary-key read): revocation and expiry take effect at once, also when
  // another process (`expertmatch token revoke`) changed the token.
  Result<Principal> authenticate(const std::string& authorization);

  // Stores a new open problem (`submitted` defaults to today, UTC). Only an
  // admin chooses ids; for every other role the service assigns the id and
  // `id_given` (the caller sent one) is kInvalidArgument, because a taken id
  // would reveal a problem the caller may not see. A create never replaces a
  // record (kAlreadyExists for an admin's taken id).
  Result<Problem> create_problem(const Principal& who, Problem problem, bool id_given);
  Result<Problem> get_problem(const Principal& who, const std::string& id);
  Result<Page<Problem>> list_problems(const Principal& who, const ProblemQuery& query);
  // Changes a problem by `edit` (id fixed). The server's fields are never
  // lost: `status` stays (it changes through POST .../status and the workflow), and
  // `submitted` stays unless the edit sets another date. kConflict if it is
  // no longer open; kInvalidArgument for an unknown county, or an enterprise
  // registered in another county.
  Result<Problem> update_problem(const Principal& who, const std::string& id,
                                 const ProblemEdit& edit);

  // `verified` as the body gave it; unset: confirmed when admin creates it,
  // unconfirmed when a county does (access.h, check_expert_write).
  Result<Expert> create_expert(const Principal& who, Expert expert,
                               std::optional<bool> verified = std::nullopt);
  // Expert profiles are the university's public information: every role
  // reads them, except the conflicts of interest naming enterprises the
  // caller may not know of (left out; a write keeps them).
  Result<Expert> get_expert(const Principal& who, const std::string& id);
  Result<Page<Expert>> list_experts(const Principal& who, const ExpertQuery& query);
  Result<Expert> update_expert(const Principal& who, const std::string& id, const ExpertEdit& edit);
  Result<Expert> deactivate_expert(const Principal& who, const std::string& id);
  // available = true again (same rights as deactivate).
  Result<Expert> reactivate_expert(const Principal& who, const std::string& id);

  // The configured counties (every role may read them).
  const CountyList& counties() const { return options_.counties; }
  // Registered enterprises (Store::list_enterprises) the caller may know of:
  // admin all (or of `county`), county and coordinator principals those of
  // their county, an enterprise itself only.
  Result<std::vector<EnterpriseRecord>> enterprises(const Principal& who,
                                                    const std::optional<std::string>& county);
  // Registers an enterprise (admin, or the county principal of `county`).
  // kInvalidArgument for an unknown county, kAlreadyExists if registered.
  Result<EnterpriseRecord> register_enterprise(const Principal& who, const std::string& name,
                                               const std::string& county);
  // The county an enterprise is registered in, if it is.
  std::optional<std::string> enterprise_county(const std::string& name);

  // The ledger (corpus/ledger.h) of `county`, or of the city when `county`
  // is empty: admin reads every ledger, a county or coordinator principal
  // its county's (kPermissionDenied otherwise, and for the city).
  // kInvalidArgument for an unknown county.
  Result<Ledger> ledger(const Principal& who, const std::string& county,
                        const LedgerOptions& options);

  // Ranked experts for a stored open problem: rejected pairs left out, experts
  // without remaining capacity (engaged on other open problems) too; experts
  // accepted for it first, even from beyond the top k.
  Result<ProblemMatches> problem_matches(const Principal& who, const std::string& problem_id,
                                         int k);
  // Ranked open problems the caller may see, for one expert.
  Result<ExpertProblemMatches> expert_matches(const Principal& who, const std::string& expert_id,
                                              int k);
  // Ranked experts for a text; stores nothing.
  // `why` (if given) receives why no match is good, or nullopt if one is.
  Result<std::vector<ExpertMatch>> match_text(const Principal& who, const TextQuery& query,
                                              std::optional<NoGoodMatch>* why = nullptr);

  // Records a coordinator's decision ("accept" or "reject") on a pair.
  // kInvalidArgument (field "note") for a rejection without a note, or an
  // acceptance of a pair the matcher does not rate a good match without one.
  // An acceptance beyond the expert's capacity (one ledger across counties:
  // accepted matches and approved key topics on open problems) is kConflict,
  // naming the commitments, unless `capacity_override`, which is stored with
  // the review and logged to stderr. The first acceptance makes a submitted
  // problem matched; rejecting its last accepted expert makes it submitted
  // again (both recorded as transitions, in the review's transaction). The
  // decision already in force for the pair records nothing: the review in
  // force is returned and `recorded` (if given) set false.
  Result<Review> add_review(const Principal& who, const std::string& problem_id,
                            const std::string& expert_id, const std::string& decision,
                            const std::string& note, bool capacity_override = false,
                            bool* recorded = nullptr);
  Result<std::vector<Review>> reviews(const Principal& who, const std::string& problem_id);
  // Good matches of open problems in the county that no one has reviewed,
  // most urgent problem first, then by score. Coordinators, county and admin.
  // Ranked in chunks (see the thread safety note); if the county's problems,
  // an expert or a decision changed meanwhile it ranks again, and after
  // kQueueAttempts it answers from the last run: each entry's scores as of
  // its chunk, and, as of the end, only entries whose problem is still open
  // and visible, whose pair is still unreviewed and whose expert is still
  // available, with the current remaining capacity.
  Result<Page<QueueEntry>> review_queue(const Principal& who, const ReviewQueueQuery& query);

  // A problem's life (model.h). Allowed: submitted -> withdrawn | closed;
  // matched -> in_progress | solved | withdrawn | closed; in_progress ->
  // solved | withdrawn | closed. Enterprises may only withdraw their own
  // problems; coordinators, the county and admin make the other changes.
  // kInvalidArgument (field note / outcome) when the reason or the outcome is
  // missing; kConflict for a change the problem's status does not allow.
  Result<ProblemTransition> change_status(const Principal& who, const std::string& problem_id,
                                          const StatusRequest& request);
  // Every transition of the problem and, except for an enterprise, every
  // review of its pairs (whoever may see it).
  Result<ProblemHistory> history(const Principal& who, const std::string& problem_id);
  // Where the problem stands (whoever may see it).
  Result<ProblemStanding> standing(const Principal& who, const std::string& problem_id);

  // Workstation plans (docs/planning.md), stored in DATA/store.sqlite by a
  // PlanStore. Access (access.h): a plan of a county the caller may not read
  // is kNotFound, exactly as an unknown id; creating, approving or listing
  // outside the caller's rights is kPermissionDenied.
  //
  // Plans a county and stores the result as a draft (kConflict,
  // plan.draft_quota, when the county holds max_plan_drafts_per_county
  // drafts: checked before the run). The coordinators'
  // decisions are filled in here: accepted matches (fixed topics in the
  // county, capacity elsewhere) and rejected pairs (never proposed).
  // The county's problems are ranked in chunks (see the thread safety note:
  // writes get in between); the team and topics are then chosen without the
  // lock. A draft whose county's problems, or any expert, changed during the
  // ranking is stored stale (PlanStore::kInputChanged); one made before a
  // later decision is stale as always. kNotFound if no problem or expert
  // names the county, kUnavailable without an index, kInvalidArgument for bad
  // options.
  Result<PlanRecord> create_plan(const Principal& who, const std::string& county,
                                 PlanRunOptions options);
  Result<PlanRecord> get_plan(const Principal& who, long long id);
  // Draft -> approved (the county's previous approved plan is superseded;
  // the key topics' submitted or matched problems become in_progress, by the
  // approver). kConflict if the plan is not a draft or is stale: older than
  // the county's approved plan, or made before a later decision.
  Result<PlanRecord> approve_plan(const Principal& who, long long id);
  // Draft -> discarded; kConflict if it is not a draft.
  Result<PlanRecord> discard_plan(const Principal& who, long long id);
  // The county's plans, newest first: `limit` of them from `offset`, with
  // their bodies (total: all of them).
  Result<Page<PlanRecord>> list_plans(const Principal& who, const std::string& county,
                                      size_t offset, size_t limit);
  // Why approve_plan would refuse `plan` as stale, as it would say it
  // (kConflict with the plan.stale_* message): a decision (review, status
  // change, approval) about its county or experts came after it was made,
  // or a key topic's leader is gone, unavailable, no longer confirmed for
  // the plan's county (may_serve_county) or stationed elsewhere for a
  // problem an edit left unconfirmed (may_lead_for). Ok if the plan is no
  // draft or fresh; another code if the store could not be read.
  Status plan_staleness(const PlanRecord& plan);
  // The key topics of an approved `plan` whose leader's pair a coordinator
  // has rejected since (the review in force), in the plan's topic order;
  // empty for any other plan. The caller has read the plan (get_plan).
  std::vector<TopicAttention> plan_attention(const PlanRecord& plan);

  // A bulk import of the exchange format's JSON Lines (admin only), streamed:
  // each line is read, validated (the exchange format's rules, then counties
  // and enterprise registrations as single writes check them) and written to
  // the store as it comes, all in one transaction, so the body and all its
  // parsed records are never held together. All or nothing: any error and
  // nothing is stored; kInvalidArgument lists every bad line (source "body",
  // its line, the field, why; a known id in the body twice is one). A known
  // id is updated. `text` is taken over and freed once committed (durable);
  // the imported records are then read back from the store, held once
  // (shared with the index), and the index is rebuilt from the whole corpus
  // while readers go on. `names` (if given) receives every name's spellings
  // for spelling_warnings (corpus/names.h). `cancelled` (if given) is asked
  // every 1,024 records and before the commit: true stops the import with
  // nothing stored (kUnavailable).
  enum class ImportKind { kExperts, kProblems };
  Result<ImportCounts> import_jsonl(const Principal& who, ImportKind kind, std::string text,
                                    std::vector<NameSpelling>* names = nullptr,
                                    const std::function<bool()>& cancelled = {});
  Result<std::vector<Expert>> export_experts(const Principal& who);
  Result<std::vector<Problem>> export_problems(const Principal& who);

  ServiceStats stats();
  // Records set aside, for an admin: those in the store that break the
  // exchange format's rules (check_record; left out of the service at open,
  // so never served or matched, and named in the open log), then those the
  // index left out. Admin only (kPermissionDenied otherwise).
  Result<std::vector<SkippedRecord>> skipped_records(const Principal& who);
  // Whether the service takes work: an index is built, or the corpus is empty
  // (it has no index yet but takes writes). Never waits for the lock: while a
  // writer holds it, the answer last computed is returned. For /readyz on the
  // server's I/O threads, which must not queue behind ranking or writes.
  bool ready_without_waiting();
  // Writes the index to DATA/index (on graceful shutdown).
  Status save_index();
  const std::string& data_dir() const { return data_dir_; }

 private:
  Service() = default;
  // mu_ locked exclusively, for a write: every cached ranking is dropped.
  std::unique_lock<std::shared_mutex> lock_for_write();
  // Whether `who` may still write, now that its write is next in line
  // (caller holds write_mu_, or is about to store a plan run's result): its
  // credential authenticated again (Principal::reauthenticate) and naming
  // the same role and scope. kUnauthenticated (401) if it was revoked,
  // expired, signed out or its account disabled, or its role or scope
  // changed, since the request was admitted; nothing is written then.
  static Status still_authorised(const Principal& who);
  // The writer's turn for `who`: write_mu_ taken (the one writer at a time),
  // then still_authorised checked with it held. The lock, held until the
  // returned object goes, or the 401 with the lock released. Every write
  // entry point that stores under write_mu_ starts here, so none can forget
  // the check; the plan run and its discard (which store a plan without
  // write_mu_) call still_authorised themselves.
  Result<std::unique_lock<std::mutex>> writer_for(const Principal& who);
  // After index_ was replaced (built, rebuilt, reset): a new matcher_ for it,
  // or none. Caller holds mu_ exclusively.
  void index_replaced_locked();
  // Applies one record to the index (rebuilding it if there is none yet).
  // Caller holds write_mu_ and mu_ exclusively. `prepared`: the record as
  // prepare_*() analysed it before the exclusive lock (empty: analysed here).
  void index_expert_locked(const Expert& e, CorpusIndex::Prepared&& prepared = {});
  void index_problem_locked(SharedProblem p, CorpusIndex::Prepared&& prepared = {});
  // The analysis and embedding of a record about to be written, by the
  // current index (empty if there is none). Caller holds write_mu_ only, so
  // readers go on while it runs.
  CorpusIndex::Prepared prepare_expert(const Expert& e) const;
  CorpusIndex::Prepared prepare_problem(const Problem& p) const;
  void rebuild_index_locked(const char* why);
  // What the model learns from (indexer/fit_corpus.h): every expert and
  // every problem held, whatever its status, as the city last confirmed it.
  // Points into experts_ and problems_: use it before they change.
  FitCorpus fit_corpus_locked() const;
  // Calls step(i) for i in [0, n): options_.rank_chunk at a time, each chunk
  // under one shared lock of mu_, released between chunks (and
  // options_.between_chunks called there). kUnavailable when a chunk finds no
  // index; the first error of a step ends the run.
  Status in_chunks(size_t n, const std::function<Status(size_t)>& step) const;
  // The data version of what a ranking of `county`'s problems reads (its
  // problems, the experts, the index); of everything without a county.
  // Caller holds mu_.
  unsigned long long county_version_locked(const std::optional<std::string>& county) const;
  // Records a change of `county`'s problems / of what every ranking reads, at
  // the version lock_for_write set. Caller holds mu_ exclusively.
  void county_changed_locked(const std::string& county);
  void all_changed_locked();
  // problems_[p.id] = p (a new shared record), keeping open_by_enterprise_
  // and the data versions right; the stored record. `search_text`: the list
  // search's text of p (problem_search_text), moved from; if null, the
  // held text is kept when the searched fields are unchanged (a status
  // change) and made otherwise. Caller holds mu_ exclusively.
  SharedProblem put_problem_locked(const Problem& p, std::string* search_text = nullptr);
  // Counts open_by_enterprise_ afresh from problems_ (at open, after an import).
  void count_open_locked();
  // Accepted (problem, expert) pairs on open problems other than `except_problem`.
  std::vector<std::pair<std::string, std::string>> accepted_pairs_locked(
      const std::string& except_problem) const;
  std::vector<std::pair<std::string, std::string>> rejected_pairs_locked() const;
  // The capacity ledger: expert id -> problem id -> what holds the expert
  // ("accepted match" or "key topic of plan N (county)"), over accepted
  // matches and approved key topics on open problems, each pair once.
  std::map<std::string, std::map<std::string, i18n::Message>> engagements_locked() const;
  // Engagements per expert, leaving out those on `except_problem`.
  // The leader checks of plan_staleness (plan.stale_leader,
  // plan.stale_unconfirmed_topic), on the records in memory.
  Status leaders_staleness_locked(const PlanRecord& plan) const;
  std::map<std::string, int> used_capacity_locked(const std::string& except_problem) const;
  int remaining_capacity_locked(const Expert& e) const;
  // Who works on `problem_id`, by expert id: the experts whose latest review
  // of the pair is an acceptance, and the leaders of its key topics in
  // approved plans whose pair is not rejected since. The one answer the
  // standing, the plan's attention list and the ledger share.
  std::vector<std::string> workers_locked(const std::string& problem_id) const;
  // Experts ranked for an open problem as every view shows them (see
  // problem_matches); `k` < 0 for all.
  Result<std::vector<ExpertMatch>> ranked_for_problem_locked(const Problem& p, int k,
                                                             int* rejected_excluded) const;
  Status reload_approved_topics();
  PairState pair_state_locked(const std::string& problem_id, const std::string& expert_id) const;
  Result<Problem> visible_problem_locked(const Principal& who, const std::string& id) const;
  Result<Problem> write_problem(const Principal& who, Problem problem, bool must_exist,
                                const ProblemEdit* edit = nullptr);
  // The county and enterprise checks of a problem about to be written.
  Status check_problem_locked(const Principal& who, const Problem& p) const;
  // ok, or kConflict (enterprise.county_quota) when `county` holds
  // max_enterprises_per_county registered enterprises. Caller holds write_mu_.
  Status county_has_room_locked(const std::string& county) const;
  Result<Expert> write_expert(const Principal& who, Expert expert, bool must_exist,
                              const ExpertEdit* edit = nullptr);
  // Whether `who` may know of enterprise `name`: admin all, an enterprise
  // itself, a county or coordinator those registered in its county.
  bool may_see_enterprise_locked(const Principal& who, const std::string& name) const;
  // `e` as `who` is shown it: conflicts of interest naming enterprises it may
  // not know of are left out (they still apply to matching).
  Expert shown_expert_locked(const Principal& who, Expert e) const;

  std::string data_dir_;
  ServiceOptions options_;
  std::unique_ptr<DataDirLock> lock_;  // declared first: released last
  std::unique_ptr<Store> store_;
  std::unique_ptr<PlanStore> plans_;  // thread-safe on its own; not guarded by mu_

  std::mutex write_mu_;           // serialises writers (store, then memory)
  mutable std::shared_mutex mu_;  // guards everything below
  std::map<std::string, Expert> experts_;
  // A problem as the service holds it: the record, shared with the index
  // (CorpusIndex::ProblemEntry: each record held once), and its text as the
  // list search reads it (fields normalised and joined when the record is
  // written, so a search costs no normalisation), in one map entry. `->` and
  // `*` reach the record.
  struct HeldProblem {
    SharedProblem record;
    std::string search_text;
    const Problem* operator->() const { return record.get(); }
    const Problem& operator*() const { return *record; }
  };
  std::map<std::string, HeldProblem> problems_;
  // Each expert's text as the list search reads it, by id. Changed with experts_.
  std::map<std::string, std::string> expert_text_;
  std::unique_ptr<CorpusIndex> index_;  // null while the corpus cannot be indexed
  // The one Matcher of index_ (null with it), shared by all readers: its
  // caches (per-expert aggregates, explanation words) outlive a request and
  // an expert's change (Matcher keeps them right itself). Made anew only when
  // the index is replaced.
  std::unique_ptr<Matcher> matcher_;
  bool index_dirty_ = false;              // changed since loaded or saved
  std::vector<SkippedRecord> set_aside_;  // store rows refused at open (see skipped_records)
  // The latest review of each (problem, expert) pair, and the number of reviews.
  std::map<std::pair<std::string, std::string>, Review> latest_;
  size_t review_count_ = 0;
  std::map<std::string, std::string> enterprises_;  // normalize_name(registered name) -> county
  // Key topics of approved plans: (problem, expert) -> "plan N (county)".
  std::map<std::pair<std::string, std::string>, i18n::Message> approved_topics_;
  long long decision_sequence_ = 0;  // as Store::decision_sequence()
  // Open problems by enterprise (normalize_name): the quota's count, kept by
  // put_problem_locked instead of walking every problem on every write.
  std::map<std::string, int> open_by_enterprise_;
  // The data version (see the thread safety note): advanced by every
  // lock_for_write; the version at which each county's problems
  // (normalize_name) last changed, and everything did.
  unsigned long long version_ = 0;
  std::map<std::string, unsigned long long> county_changed_;
  unsigned long long all_changed_ = 0;
  // normalize_name(enterprise) -> when its problems were filed (time(),
  // oldest first) within the last 24 hours, for the daily quota. Guarded by
  // write_mu_ (only writers read or change it).
  std::map<std::string, std::deque<long long>> filed_;

  // problem_matches' rankings of stored problems, by (problem id, k), valid
  // until the next write of any kind (lock_for_write clears them): a ranking
  // depends on the index, the reviews, capacities and plans, all guarded by
  // mu_. At most kCachedRankings; when full, the cache starts over.
  struct CachedRanking {
    std::vector<ExpertMatch> matches;
    int rejected_excluded = 0;
    std::optional<NoGoodMatch> no_good_match;
  };
  // Why `shown` (a ranking of `p`) holds no good match, or nullopt if it
  // holds one. One exhaustive scoring (Matcher::coverage) when it holds none.
  Result<std::optional<NoGoodMatch>> why_no_good_match_locked(
      const Problem& p, const std::vector<ExpertMatch>& shown) const;
  static constexpr size_t kCachedRankings = 4096;
  // Rankings of the review queue before it answers from a run that saw a change.
  static constexpr int kQueueAttempts = 3;
  mutable std::mutex rankings_mu_;  // readers fill the cache under a shared mu_
  mutable std::map<std::pair<std::string, int>, CachedRanking> rankings_;

  std::atomic<bool> last_ready_{true};  // ready_without_waiting()'s last answer
};

}  // namespace expertmatch::api
