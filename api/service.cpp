#include "api/service.h"

#include <sys/stat.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <random>

#include "api/service_internal.h"
#include "corpus/atomic_file.h"
#include "corpus/exchange_format.h"
#include "corpus/json_reader.h"
#include "corpus/names.h"
#include "corpus/utc_time.h"
#include "indexer/text_analyzer.h"
#include "matcher/plan_report.h"

namespace expertmatch::api {
using namespace internal;
namespace {

// Whether two versions of a problem have the same text the model's fit reads
// (title, description, keywords): a change of it by anyone but the city
// withdraws the confirmation (Problem::verified).
bool same_fitted_text(const Problem& a, const Problem& b) {
  return a.title == b.title && a.description == b.description && a.keywords == b.keywords;
}

std::string random_problem_id() {
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  std::string id = "p-";
  uint64_t v = (uint64_t(rd()) << 32) | rd();
  for (int i = 0; i < 12; ++i) id += kHex[(v >> (4 * i)) & 15];
  return id;
}

constexpr long long kDaySeconds = 24 * 60 * 60;

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Text as the search compares it: NFKC casefolded, full-width to half-width,
// Traditional to Simplified (the analyser's normalisation, without
// segmentation: a plain substring test on normalised text finds 轴承 in
// 深沟球轴承 whatever ICU's dictionary makes of it).
std::string normalized(const std::string& text) {
  auto n = thread_analyzer(nullptr).normalize(text);
  return n ? *n : text;
}

// The distinct whitespace-separated words of a search, normalised; empty
// words dropped. A repeated word adds no condition, so it adds no work: the
// attack sent "zq" 5,000 times. Beyond the caps it is kInvalidArgument about
// "q", so that one request's work is bounded by kMaxSearchWords passes of
// words at most kMaxSearchWordBytes long over each record's text.
Result<std::vector<std::string>> search_words(const std::string& q) {
  std::vector<std::string> words;
  std::string norm = normalized(q);
  size_t start = 0;
  while (start < norm.size()) {
    size_t end = norm.find_first_of(" \t\n", start);
    if (end == std::string::npos) end = norm.size();
    if (end > start) {
      std::string word = norm.substr(start, end - start);
      if (word.size() > kMaxSearchWordBytes)
        return Status::invalid("q", {"query.search_word_long",
                                     {{"bytes", std::to_string(word.size())},
                                      {"max", std::to_string(kMaxSearchWordBytes)}}});
      if (!contains(words, word)) {
        if (words.size() == kMaxSearchWords)
          return Status::invalid(
              "q", {"query.search_words", {{"max", std::to_string(kMaxSearchWords)}}});
        words.push_back(std::move(word));
      }
    }
    start = end + 1;
  }
  return words;
}

// The words' searchers, built once per request and used on every record.
// Boyer-Moore (with its good-suffix rule) finds a first occurrence in time
// linear in the text, where a plain find() takes text x word on a text such
// as "zzzz...z" and a word "zzq".
using WordSearcher = std::boyer_moore_searcher<std::string::const_iterator>;

std::vector<WordSearcher> searchers_of(const std::vector<std::string>& words) {
  std::vector<WordSearcher> out;
  out.reserve(words.size());
  for (const auto& w : words) out.emplace_back(w.begin(), w.end());
  return out;
}

// Every word occurs in `text` (a record's search text: its fields joined, so
// a word need not be in a single field of several: "轴承 漏油" finds a problem
// titled 轴承 whose description says 漏油).
bool matches_words(const std::vector<WordSearcher>& words, const std::string& text) {
  for (const auto& w : words)
    if (std::search(text.begin(), text.end(), w) == text.end()) return false;
  return true;
}

// A record's fields as the search reads them: normalised once, when the
// record is written (search_text), never per request.
std::string search_text(const std::vector<std::string>& fields) {
  std::string text;
  for (const auto& f : fields) text += normalized(f) + "\n";
  // Held for the record's life: without the appends' spare capacity.
  text.shrink_to_fit();
  return text;
}

std::vector<std::string> problem_search_fields(const Problem& p) {
  std::vector<std::string> out = {p.title, p.description, p.industry};
  out.insert(out.end(), p.keywords.begin(), p.keywords.end());
  return out;
}

std::vector<std::string> expert_search_fields(const Expert& e) {
  std::vector<std::string> out = {e.name, e.bio};
  out.insert(out.end(), e.fields.begin(), e.fields.end());
  for (const auto& w : e.works) {
    out.push_back(w.title);
    out.push_back(w.abstract);
    out.insert(out.end(), w.keywords.begin(), w.keywords.end());
  }
  return out;
}

std::string problem_search_text(const Problem& p) { return search_text(problem_search_fields(p)); }

std::string expert_search_text(const Expert& e) { return search_text(expert_search_fields(e)); }

// Each record a fresh index left out, one line each, for the operator.
void log_skipped(const CorpusIndex& index) {
  for (const auto& r : index.skipped())
    std::fprintf(stderr, "expertmatch serve: index: %s \"%s\" left out: %s\n", r.kind.c_str(),
                 r.id.c_str(), r.reason.c_str());
}

}  // namespace

Result<std::unique_ptr<DataDirLock>> Service::lock_data_dir(const std::string& data_dir,
                                                            const ServiceOptions& options) {
  // Look before locking: a mistyped --data must not leave a lock file behind.
  struct stat st;
  std::string store_path = data_dir + "/store.sqlite";
  // operator-facing: `serve` refusing to start.
  if (!options.create_store && (::stat(store_path.c_str(), &st) != 0 || st.st_size == 0))
    return Status(ErrorCode::kNotFound, "no store at " + store_path);
  if (options.create_store) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return Status(ErrorCode::kIOError, data_dir + ": " + ec.message());
  }
  return DataDirLock::acquire(data_dir, "expertmatch serve");
}

Result<std::unique_ptr<Service>> Service::open(const std::string& data_dir,
                                               const ServiceOptions& options,
                                               std::vector<std::string>* log,
                                               std::unique_ptr<DataDirLock> lock) {
  auto note = [&](const std::string& line) {
    if (log) log->push_back(line);
  };
  std::unique_ptr<Service> service(new Service());
  service->data_dir_ = data_dir;
  service->options_ = options;
  StoreOptions store_options;
  store_options.create_if_missing = options.create_store;
  store_options.checkpoint_interval_ms = options.checkpoint_interval_ms;
  if (!lock) {
    auto taken = lock_data_dir(data_dir, options);
    if (!taken) return taken.status();
    lock = std::move(*taken);
  }
  service->lock_ = std::move(lock);
  auto store = Store::open(data_dir, store_options);
  if (!store) return store.status();
  service->store_ = std::move(*store);
  auto plans = PlanStore::open(*service->store_);
  if (!plans) return plans.status();
  service->plans_ = std::move(*plans);
  auto experts = service->store_->list_experts();
  if (!experts) return experts.status();
  auto problems = service->store_->list_problems();
  if (!problems) return problems.status();
  auto reviews = service->store_->list_reviews("");
  if (!reviews) return reviews.status();
  // The store is a boundary too: rows written before today's rules (or by
  // other tools) are held to them here, and one that breaks them is set aside
  // rather than served to clients or allowed to stop the index.
  auto set_aside = [&](auto* records, const char* kind) {
    std::erase_if(*records, [&](const auto& r) {
      std::vector<FieldError> errors = check_record(r);
      if (errors.empty()) return false;
      std::string reason = errors.front().field + ": " + errors.front().reason;
      SkippedRecord skipped{kind, printable_text(r.id), "in the store: " + reason};
      note(std::string(kind) + " \"" + skipped.id + "\" in the store breaks the exchange rules (" +
           reason + "): left out of the service and the index until it is fixed");
      service->set_aside_.push_back(std::move(skipped));
      return true;
    });
  };
  set_aside(&*experts, "expert");
  set_aside(&*problems, "problem");
  for (const auto& e : *experts) {
    service->experts_[e.id] = e;
    service->expert_text_[e.id] = expert_search_text(e);
  }
  // Each record once, shared by the service and the index.
  std::vector<SharedProblem> shared;
  shared.reserve(problems->size());
  for (auto& p : *problems) {
    shared.push_back(std::make_shared<const Problem>(std::move(p)));
    service->problems_[shared.back()->id] = {shared.back(), problem_search_text(*shared.back())};
  }
  problems = std::vector<Problem>();
  service->count_open_locked();
  for (const auto& r : *reviews) service->latest_[{r.problem_id, r.expert_id}] = r;
  auto enterprises = service->store_->list_enterprises();
  if (!enterprises) return enterprises.status();
  for (const auto& e : *enterprises) service->enterprises_[normalize_name(e.name)] = e.county;
  // Scopes stored before they were kept in the registered spelling: one
  // enterprise must be one caller (per-caller bounds, its own listings).
  Status scopes = normalize_stored_scopes(*service->store_, options.counties, log);
  if (!scopes) return scopes;
  service->review_count_ = reviews->size();
  auto decisions = service->store_->decision_sequence();
  if (!decisions) return decisions.status();
  service->decision_sequence_ = *decisions;
  Status approved = service->reload_approved_topics();
  if (!approved) return approved;
  std::vector<SharedProblem> indexed;  // the open ones, as indexed_problems() (model.h)
  for (const auto& p : shared)
    if (is_open(p->status)) indexed.push_back(p);
  // A save cut short (a stop while starting, a kill while saving) left these.
  for (const auto& name : remove_abandoned_temporaries(data_dir + "/index"))
    note("index: removed " + name + ", left by an index save that did not finish");
  if (!experts->empty() || !indexed.empty()) {
    std::string reason;
    Status saved = Status::ok();
    const FitCorpus fit = service->fit_corpus_locked();
    auto index = CorpusIndex::open_shared(data_dir + "/index", *experts, indexed, options.index,
                                          &reason, {}, &saved, &fit);
    if (index) {
      service->index_ = std::move(*index);
      service->index_replaced_locked();
      note(reason.empty() ? "index loaded from " + data_dir + "/index" : "index " + reason);
      for (const auto& r : service->index_->skipped())
        note("index: " + r.kind + " \"" + r.id + "\" left out: " + r.reason);
      if (!saved) {
        // Matching works from memory; the next save (shutdown) tries again.
        service->index_dirty_ = true;
        note("saving the index failed (" + saved.to_string() + "); serving it from memory");
      }
    } else {
      note("no index: " + index.status().to_string() + "; matching is unavailable");
    }
  } else {
    note("the store holds no records: matching starts when the first records arrive");
  }
  note("loaded " + std::to_string(experts->size()) + " experts, " + std::to_string(shared.size()) +
       " problems, " + std::to_string(reviews->size()) + " reviews");
  return service;
}

Service::~Service() = default;

Result<Principal> Service::authenticate(const std::string& authorization) {
  // No cache: a revoked token must fail on its next request.
  return api::authenticate(*store_, authorization);
}

// ---- index maintenance ---------------------------------------------------

std::unique_lock<std::shared_mutex> Service::lock_for_write() {
  std::unique_lock lock(mu_);
  ++version_;
  std::lock_guard cache(rankings_mu_);
  rankings_.clear();
  return lock;
}

Result<std::unique_lock<std::mutex>> Service::writer_for(const Principal& who) {
  std::unique_lock writer(write_mu_);
  if (Status authorised = still_authorised(who); !authorised) return authorised;
  return writer;
}

Status Service::still_authorised(const Principal& who) {
  if (!who.reauthenticate) return Status::ok();
  auto now = who.reauthenticate();
  if (!now) {
    if (now.status().code() != ErrorCode::kPermissionDenied) return now.status();
    return Status(ErrorCode::kUnauthenticated, now.status().user_message().empty()
                                                   ? i18n::Message("auth.token_revoked")
                                                   : now.status().user_message());
  }
  // The same scope in another spelling of the same name (柯城區, a stored
  // scope written before the names were normalised) is the same caller.
  if (now->role != who.role || !same_name(now->scope, who.scope))
    return Status(ErrorCode::kUnauthenticated, i18n::Message("auth.credential_changed"));
  return Status::ok();
}

unsigned long long Service::county_version_locked(const std::optional<std::string>& county) const {
  if (!county) return version_;
  auto it = county_changed_.find(normalize_name(*county));
  return std::max(all_changed_, it == county_changed_.end() ? 0ULL : it->second);
}

void Service::county_changed_locked(const std::string& county) {
  county_changed_[normalize_name(county)] = version_;
}

void Service::all_changed_locked() { all_changed_ = version_; }

SharedProblem Service::put_problem_locked(const Problem& p, std::string* search_text) {
  auto it = problems_.find(p.id);
  if (it != problems_.end()) {
    county_changed_locked(it->second->county);
    if (is_open(it->second->status)) {
      auto n = open_by_enterprise_.find(normalize_name(it->second->enterprise));
      if (n != open_by_enterprise_.end() && --n->second <= 0) open_by_enterprise_.erase(n);
    }
  }
  county_changed_locked(p.county);
  if (is_open(p.status)) ++open_by_enterprise_[normalize_name(p.enterprise)];
  // A new record: the old one may still be read through the index until
  // the caller files this one there.
  SharedProblem stored = std::make_shared<const Problem>(p);
  HeldProblem& held = problems_[p.id];
  if (search_text) {
    held.search_text = std::move(*search_text);
  } else if (!held.record || problem_search_fields(*held.record) != problem_search_fields(p)) {
    held.search_text = problem_search_text(p);
  }
  held.record = stored;
  return stored;
}

void Service::count_open_locked() {
  open_by_enterprise_.clear();
  for (const auto& [id, p] : problems_)
    if (is_open(p->status)) ++open_by_enterprise_[normalize_name(p->enterprise)];
}

Status Service::in_chunks(size_t n, const std::function<Status(size_t)>& step) const {
  const size_t chunk = std::max<size_t>(1, options_.rank_chunk);
  for (size_t begin = 0; begin < n; begin += chunk) {
    if (begin > 0 && options_.between_chunks) options_.between_chunks();
    // One shared lock per chunk: released here, a waiting writer goes first
    // (glibc's rwlock lets no new reader in once the last one has left with
    // a writer waiting), so no write waits for more than one chunk.
    std::shared_lock lock(mu_);
    if (!index_) return Status(ErrorCode::kUnavailable, i18n::Message("index.not_ready"));
    for (size_t i = begin; i < std::min(n, begin + chunk); ++i) {
      Status s = step(i);
      if (!s) return s;
    }
  }
  return Status::ok();
}

void Service::index_replaced_locked() {
  matcher_ = index_ ? std::make_unique<Matcher>(*index_, options_.match) : nullptr;
}

FitCorpus Service::fit_corpus_locked() const {
  std::vector<const Expert*> experts;
  std::vector<const Problem*> problems;
  for (const auto& [id, e] : experts_) experts.push_back(&e);
  for (const auto& [id, p] : problems_) problems.push_back(p.record.get());
  return FitCorpus::of(experts, problems);
}

void Service::rebuild_index_locked(const char* why) {
  all_changed_locked();
  std::vector<Expert> experts;
  std::vector<SharedProblem> problems;
  for (const auto& [id, e] : experts_) experts.push_back(e);
  for (const auto& [id, p] : problems_)
    if (is_open(p->status)) problems.push_back(p.record);  // as indexed_problems() (model.h)
  const FitCorpus fit = fit_corpus_locked();
  auto index = CorpusIndex::build_shared(experts, problems, options_.index, {}, &fit);
  if (index) {
    index_ = std::move(*index);
    log_skipped(*index_);
  } else {
    index_.reset();
    std::fprintf(stderr, "expertmatch serve: index rebuild (%s) failed: %s\n", why,
                 index.status().to_string().c_str());
  }
  index_replaced_locked();
  index_dirty_ = true;
}

CorpusIndex::Prepared Service::prepare_expert(const Expert& e) const {
  // Only writers replace or change the index and the caller is the writer:
  // reading it without mu_ is safe, and readers go on meanwhile.
  return index_ ? index_->prepare_expert(e) : CorpusIndex::Prepared{};
}

CorpusIndex::Prepared Service::prepare_problem(const Problem& p) const {
  return index_ ? index_->prepare_problem(p) : CorpusIndex::Prepared{};
}

void Service::index_expert_locked(const Expert& e, CorpusIndex::Prepared&& prepared) {
  index_dirty_ = true;
  all_changed_locked();  // every county's rankings read every expert
  if (!index_) return rebuild_index_locked("first records");
  Status s = index_->upsert_expert(e, std::move(prepared));
  if (s.code() == ErrorCode::kInvalidArgument)  // this record only; the index is intact
    std::fprintf(stderr, "expertmatch serve: %s\n", s.message().c_str());
  else if (!s)
    return rebuild_index_locked(s.to_string().c_str());
  // matcher_ is kept: its caches stay right (new units, new ids) and drop the
  // replaced expert's entries themselves, so the next ranking analyses this
  // expert's texts only. A new Matcher here cost the next plan the words of
  // every expert (45 s instead of 4 s with 3,000 long records:
  // docs/performance.md, "A plan after a write").
}

void Service::index_problem_locked(SharedProblem p, CorpusIndex::Prepared&& prepared) {
  index_dirty_ = true;
  if (!is_open(p->status)) {
    // No longer ranked: out of the index (indexed_problems()).
    if (!index_) return;
    Status removed = index_->remove_problem(p->id);  // also unlists it from skipped()
    if (!removed && removed.code() != ErrorCode::kNotFound)
      rebuild_index_locked(removed.to_string().c_str());
    return;
  }
  if (!index_) return rebuild_index_locked("first records");
  Status s = index_->upsert_problem(std::move(p), std::move(prepared));
  if (s.code() == ErrorCode::kInvalidArgument)  // this record only; the index is intact
    std::fprintf(stderr, "expertmatch serve: %s\n", s.message().c_str());
  else if (!s)
    rebuild_index_locked(s.to_string().c_str());
}

Status Service::save_index() {
  std::lock_guard writer(write_mu_);
  std::shared_lock lock(mu_);
  if (!index_ || !index_dirty_) return Status::ok();
  Status s = index_->save(data_dir_ + "/index");
  if (s) index_dirty_ = false;
  return s;
}

// ---- problems ------------------------------------------------------------

Result<Problem> Service::visible_problem_locked(const Principal& who, const std::string& id) const {
  auto it = problems_.find(id);
  if (it == problems_.end() || !can_see_problem(who, *it->second)) return no_problem(id);
  return *it->second;
}

Status Service::check_problem_locked(const Principal& who, const Problem& p) const {
  Status county = options_.counties.check(p.county, "county");
  if (!county) return county;
  auto registered = enterprises_.find(normalize_name(p.enterprise));
  if (registered != enterprises_.end() && registered->second != p.county) {
    // Which county holds the name is for those who may see that county.
    if ((who.role == Role::kCounty || who.role == Role::kCoordinator) &&
        !same_name(registered->second, who.county()))
      return Status::invalid("enterprise", i18n::Message("enterprise.taken_in_city"));
    return field_error(
        "county",
        {"enterprise.registered_elsewhere",
         {{"enterprise", p.enterprise}, {"registered", registered->second}, {"county", p.county}}});
  }
  // Admin and county departments register an enterprise with its first
  // problem (Store::import does it in the same transaction); an enterprise
  // cannot register itself, so its token must name a registered one.
  if (registered == enterprises_.end() && who.role == Role::kEnterprise)
    return field_error("enterprise", {"enterprise.not_registered", {{"enterprise", p.enterprise}}});
  return Status::ok();
}

Result<Problem> Service::write_problem(const Principal& who, Problem p, bool must_exist,
                                       const ProblemEdit* edit) {
  auto writer = writer_for(who);
  if (!writer) return writer.status();
  // Only writers change the maps and we are the only writer: reading them
  // without mu_ is safe here.
  auto it = problems_.find(p.id);
  if (must_exist) {
    if (it == problems_.end() || !can_see_problem(who, *it->second)) return no_problem(p.id);
    const Problem& current = *it->second;
    if (!can_write_problem(who, current)) return forbidden("access.problem_write");
    if (!is_open(current.status))
      return Status(ErrorCode::kConflict,
                    {"problem.closed_record",
                     {{"id", p.id}, {"status", problem_status_name(current.status)}}});
    if (edit) {
      auto edited = (*edit)(current);
      if (!edited) return edited.status();
      p = std::move(*edited);
    }
    // What the server assigned is never lost to an update.
    p.id = current.id;
    p.status = current.status;
    // A confirmed problem whose text (what the model's fit reads) someone
    // other than the city changes is no longer confirmed (Problem::verified).
    if (who.role != Role::kAdmin && !same_fitted_text(p, current)) p.verified = false;
    // Its text put back as the city confirmed it: confirmed again (attack
    // trial 11: an edit undone still left it unconfirmed until admin came),
    // if the writer could read that version (else its guess would be told
    // right or wrong: attack trial 14).
    if (who.role != Role::kAdmin && !p.verified)
      if (auto confirmed = confirmed_version_seen_by(who, current);
          confirmed && same_fitted_text(p, *confirmed))
        p.verified = true;
    // The model goes on learning from the version the city confirmed
    // (Problem::confirmed_json) until the city decides: its confirmation, or
    // its withdrawal of one, replaces it; an admin write that leaves an edit
    // awaiting the city keeps it.
    if (who.role == Role::kAdmin && (p.verified || current.verified))
      p.confirmed_json.clear();
    else
      keep_confirmed_version(current, &p);
    if (p.submitted.empty()) p.submitted = current.submitted;
  } else if (it != problems_.end()) {
    return Status(ErrorCode::kAlreadyExists, {"problem.exists", {{"id", p.id}}});
  } else {
    p.confirmed_json.clear();  // a new record has no confirmed past
  }
  if (!can_write_problem(who, p)) {
    if (who.role == Role::kEnterprise)
      return forbidden({"access.enterprise_own_problems", {{"scope", who.scope}}});
    if (who.role == Role::kCoordinator) return forbidden("access.coordinator_no_submit");
    return forbidden({"access.county_own_problems", {{"scope", who.scope}}});
  }
  Status checked = check_problem_locked(who, p);
  if (!checked) return checked;
  const int quota = options_.max_open_problems_per_enterprise;
  if (quota > 0 && who.role != Role::kAdmin && is_open(p.status) &&
      (it == problems_.end() || !same_name(it->second->enterprise, p.enterprise))) {
    // A new problem, or one moving in from another enterprise: not counted
    // in p's enterprise yet.
    auto counted = open_by_enterprise_.find(normalize_name(p.enterprise));
    int open = counted == open_by_enterprise_.end() ? 0 : counted->second;
    if (open >= quota)
      return Status(
          ErrorCode::kConflict,
          {"problem.open_quota", {{"enterprise", p.enterprise}, {"max", std::to_string(quota)}}});
  }
  const int enterprises = options_.max_enterprises_per_county;
  if (enterprises > 0 && who.role != Role::kAdmin &&
      !enterprises_.count(normalize_name(p.enterprise))) {
    Status room = county_has_room_locked(p.county);
    if (!room) return room;
  }
  // After the checks above: the name is registered or about to be, so
  // filed_ holds one entry per registered enterprise at most.
  const int daily = options_.max_problems_per_enterprise_per_day;
  const long long now = static_cast<long long>(std::time(nullptr));
  std::deque<long long>* filed = nullptr;
  if (!must_exist && daily > 0 && who.role != Role::kAdmin) {
    filed = &filed_[normalize_name(p.enterprise)];
    while (!filed->empty() && filed->front() <= now - kDaySeconds) filed->pop_front();
    if (static_cast<int>(filed->size()) >= daily)
      return Status(
          ErrorCode::kConflict,
          {"problem.daily_quota", {{"enterprise", p.enterprise}, {"max", std::to_string(daily)}}});
  }
  Status s = must_exist ? store_->update_problem(p) : store_->insert_problem(p);
  if (!s) return s;
  if (filed) filed->push_back(now);
  // Analysed and embedded before the exclusive lock: a large record must not
  // stall every reader for the seconds its analysis takes.
  CorpusIndex::Prepared prepared = prepare_problem(p);
  std::string text = problem_search_text(p);
  auto lock = lock_for_write();
  SharedProblem record = put_problem_locked(p, &text);
  enterprises_.emplace(normalize_name(p.enterprise), p.county);
  index_problem_locked(std::move(record), std::move(prepared));
  return p;
}

Status Service::county_has_room_locked(const std::string& county) const {
  const int max = options_.max_enterprises_per_county;
  if (max <= 0) return Status::ok();
  int registered = 0;
  for (const auto& [name, c] : enterprises_) registered += same_name(c, county);
  if (registered < max) return Status::ok();
  return Status(ErrorCode::kConflict,
                {"enterprise.county_quota", {{"county", county}, {"max", std::to_string(max)}}});
}

Result<Problem> Service::create_problem(const Principal& who, Problem p, bool id_given) {
  if (who.role == Role::kCoordinator) return forbidden("access.coordinator_no_submit");
  if (who.role != Role::kAdmin) {
    // Only admin, who sees every problem, chooses ids: for anyone else a taken
    // id would answer differently from a free one and so reveal a problem the
    // caller may not see.
    if (id_given)
      return field_error("id", {"problem.id_assigned", {{"role", role_name(who.role)}}});
    std::shared_lock lock(mu_);
    do p.id = random_problem_id();
    while (problems_.count(p.id));
  }
  p.status = ProblemStatus::kSubmitted;
  if (p.submitted.empty()) p.submitted = today_utc();
  // What an enterprise or a county files is not learned from until the city
  // confirms it (Problem::verified).
  if (who.role != Role::kAdmin) p.verified = false;
  return write_problem(who, std::move(p), false);
}

Result<Problem> Service::get_problem(const Principal& who, const std::string& id) {
  std::shared_lock lock(mu_);
  return visible_problem_locked(who, id);
}

Result<Page<Problem>> Service::list_problems(const Principal& who, const ProblemQuery& q) {
  bool desc = !q.sort.empty() && q.sort[0] == '-';
  std::string key = desc ? q.sort.substr(1) : q.sort;
  if (key != "id" && key != "urgency" && key != "submitted")
    return Status::invalid("sort", {"query.sort", {{"value", q.sort}}});
  auto words = search_words(q.text.value_or(""));
  if (!words) return words.status();
  const std::vector<WordSearcher> searchers = searchers_of(*words);
  auto less = [&](const Problem* a, const Problem* b) {
    if (key == "urgency" && a->urgency != b->urgency) return a->urgency < b->urgency;
    if (key == "submitted" && a->submitted != b->submitted) return a->submitted < b->submitted;
    return a->id < b->id;
  };
  std::shared_lock lock(mu_);
  // Pointers while the lock is held; only the page is copied.
  std::vector<const Problem*> found;
  for (const auto& [id, record] : problems_) {
    const Problem& p = *record;
    if (!can_see_problem(who, p)) continue;
    if (q.county && !same_name(p.county, *q.county)) continue;
    if (q.enterprise && !same_name(p.enterprise, *q.enterprise)) continue;
    if (q.status && p.status != *q.status) continue;
    if (q.open_only && !is_open(p.status)) continue;
    if (q.urgency && p.urgency != *q.urgency) continue;
    if (q.min_urgency && p.urgency < *q.min_urgency) continue;
    if (q.industry && p.industry != *q.industry) continue;
    if (q.verified && p.verified != *q.verified) continue;
    if (!searchers.empty() && !matches_words(searchers, record.search_text)) continue;
    found.push_back(&p);
  }
  std::stable_sort(found.begin(), found.end(), [&](const Problem* a, const Problem* b) {
    return desc ? less(b, a) : less(a, b);
  });
  Page<Problem> page;
  page.total = found.size();
  for (size_t i = q.offset; i < found.size() && i < q.offset + q.limit; ++i)
    page.items.push_back(*found[i]);
  return page;
}

Result<Problem> Service::update_problem(const Principal& who, const std::string& id,
                                        const ProblemEdit& edit) {
  if (who.role == Role::kCoordinator) {
    std::shared_lock lock(mu_);
    auto existing = visible_problem_locked(who, id);
    if (!existing) return existing.status();
    return forbidden("access.coordinator_no_change");
  }
  Problem p;
  p.id = id;
  return write_problem(who, std::move(p), true, &edit);
}

// ---- experts -------------------------------------------------------------

Result<Expert> Service::write_expert(const Principal& who, Expert e, bool must_exist,
                                     const ExpertEdit* edit) {
  if (who.role == Role::kEnterprise || who.role == Role::kCoordinator)
    return forbidden({"access.expert_write", {{"role", role_name(who.role)}}});
  auto writer = writer_for(who);
  if (!writer) return writer.status();
  // Only writers change the maps and we are the only writer: reading them
  // without mu_ is safe here.
  auto it = experts_.find(e.id);
  if (must_exist && it == experts_.end()) return no_expert(e.id);
  if (!must_exist && it != experts_.end())
    return Status(ErrorCode::kAlreadyExists, {"expert.exists", {{"id", e.id}}});
  const Expert* current = it == experts_.end() ? nullptr : &it->second;
  if (current && !can_write_expert(who, *current))
    return forbidden({"access.county_own_experts", {{"scope", who.scope}}});
  if (current && edit) {
    auto edited = (*edit)(*current);
    if (!edited) return edited.status();
    e = std::move(*edited);
    e.id = current->id;
  }
  if (current && who.role == Role::kCounty) {
    // On an expert shared with other counties a county changes nothing but
    // its own entry in `counties` (check_expert_write). A conflict it may not
    // see is refused whether or not the expert already has it: answering 200
    // for a hidden conflict and 403 for any other name would tell it which
    // enterprises it cannot see are an expert's conflicts.
    bool shared = std::any_of(current->counties.begin(), current->counties.end(),
                              [&](const std::string& c) { return !same_name(c, who.scope); });
    for (const auto& c : e.conflicts)
      if (shared && !may_see_enterprise_locked(who, c))
        return Status::about_field(ErrorCode::kPermissionDenied, "conflicts",
                                   i18n::Message("access.county_expert_shared",
                                                 {{"field", "conflicts"}, {"scope", who.scope}}));
  }
  if (who.role == Role::kCounty) {
    // On its own experts too, a county names only enterprises of its own
    // bank: one it may not see it could neither read back nor remove, and it
    // singled out another county's enterprise (attack trial 17: an approved
    // key topic of 常山县 dropped). The same refusal whether or not the
    // expert already has the name, as above.
    for (const auto& c : e.conflicts)
      if (!may_see_enterprise_locked(who, c))
        return Status::about_field(ErrorCode::kPermissionDenied, "conflicts",
                                   i18n::Message("access.county_conflict_outside",
                                                 {{"enterprise", c}, {"scope", who.scope}}));
  }
  if (current) {
    // Conflicts the caller was not shown (shown_expert_locked) were not in
    // what it sent back: they stay, in their place, so that sending back
    // what it was shown changes nothing.
    std::vector<std::string> conflicts;
    for (const auto& c : current->conflicts)
      if (!may_see_enterprise_locked(who, c) || contains_name(e.conflicts, c))
        conflicts.push_back(c);
    for (const auto& c : e.conflicts)
      if (!contains_name(current->conflicts, c)) conflicts.push_back(c);
    e.conflicts = std::move(conflicts);
  }
  for (size_t i = 0; i < e.counties.size(); ++i) {
    Status known = options_.counties.check(e.counties[i], "counties[" + std::to_string(i) + "]");
    if (!known) return known;
  }
  Status allowed = check_expert_write(who, current, e);
  if (!allowed) return allowed;
  if (current && who.role == Role::kCounty && !keeps_confirmation(*current, e)) e.verified = false;
  if (current && who.role == Role::kCounty && !e.verified && !current->confirmed_json.empty()) {
    // Put back as the city confirmed it: confirmed again (attack trial 11).
    auto confirmed = parse_expert_json(current->confirmed_json, "confirmed version");
    if (confirmed && keeps_confirmation(*confirmed, e)) e.verified = true;
  }
  // The model learns from, and ranking uses, the version the city confirmed
  // (Expert::confirmed_json, ranked_version) until the city decides: its
  // confirmation, or its withdrawal of one, replaces it; an admin write that
  // leaves an edit awaiting the city (a capacity, say) keeps it.
  if (!current || (who.role == Role::kAdmin && (e.verified || current->verified)))
    e.confirmed_json.clear();
  else
    keep_confirmed_version(*current, &e);
  if (const int max = options_.max_unconfirmed_experts_per_county;
      max > 0 && who.role == Role::kCounty && !e.verified && (!current || current->verified)) {
    // Counted under write_mu_ (the one writer), so two creations cannot both pass.
    int unconfirmed = 0;
    for (const auto& [id, x] : experts_)
      unconfirmed += !x.verified && contains_name(x.counties, who.scope);
    if (unconfirmed >= max)
      return Status(ErrorCode::kConflict, {"expert.unconfirmed_quota",
                                           {{"county", who.scope}, {"max", std::to_string(max)}}});
  }
  Status s = must_exist ? store_->update_expert(e) : store_->insert_expert(e);
  if (!s) return s;
  CorpusIndex::Prepared prepared = prepare_expert(e);  // outside the exclusive lock, as above
  std::string text = expert_search_text(e);
  auto lock = lock_for_write();
  experts_[e.id] = e;
  expert_text_[e.id] = std::move(text);
  index_expert_locked(e, std::move(prepared));
  return shown_expert_locked(who, e);
}

bool Service::may_see_enterprise_locked(const Principal& who, const std::string& name) const {
  switch (who.role) {
    case Role::kAdmin:
      return true;
    case Role::kEnterprise:
      return same_name(name, who.scope);
    case Role::kCounty:
    case Role::kCoordinator: {
      auto it = enterprises_.find(normalize_name(name));
      return it != enterprises_.end() && same_name(it->second, who.county());
    }
  }
  return false;
}

Expert Service::shown_expert_locked(const Principal& who, Expert e) const {
  std::erase_if(e.conflicts,
                [&](const std::string& c) { return !may_see_enterprise_locked(who, c); });
  return e;
}

Result<Expert> Service::create_expert(const Principal& who, Expert e,
                                      std::optional<bool> verified) {
  e.verified = verified.value_or(who.role == Role::kAdmin);
  return write_expert(who, std::move(e), false);
}

Result<Expert> Service::update_expert(const Principal& who, const std::string& id,
                                      const ExpertEdit& edit) {
  Expert e;
  e.id = id;
  return write_expert(who, std::move(e), true, &edit);
}

Result<Expert> Service::deactivate_expert(const Principal& who, const std::string& id) {
  ExpertEdit edit = [](const Expert& current) -> Result<Expert> {
    Expert e = current;
    e.available = false;
    return e;
  };
  return update_expert(who, id, edit);
}

Result<Expert> Service::reactivate_expert(const Principal& who, const std::string& id) {
  ExpertEdit edit = [](const Expert& current) -> Result<Expert> {
    Expert e = current;
    e.available = true;
    return e;
  };
  return update_expert(who, id, edit);
}

Result<Expert> Service::get_expert(const Principal& who, const std::string& id) {
  // Expert profiles are public information of the university: every role reads them.
  std::shared_lock lock(mu_);
  auto it = experts_.find(id);
  if (it == experts_.end()) return no_expert(id);
  return shown_expert_locked(who, it->second);
}

Result<Page<Expert>> Service::list_experts(const Principal& who, const ExpertQuery& q) {
  auto words = search_words(q.text.value_or(""));
  if (!words) return words.status();
  const std::vector<WordSearcher> searchers = searchers_of(*words);
  std::shared_lock lock(mu_);
  Page<Expert> page;
  for (const auto& [id, e] : experts_) {
    if (q.college && !same_name(e.college, *q.college)) continue;
    if (q.field && !contains(e.fields, *q.field)) continue;
    if (q.county && !contains_name(e.counties, *q.county)) continue;
    if (q.available && e.available != *q.available) continue;
    if (q.verified && e.verified != *q.verified) continue;
    if (!searchers.empty()) {
      auto text = expert_text_.find(id);
      if (text == expert_text_.end() || !matches_words(searchers, text->second)) continue;
    }
    // In id order: only the page is copied.
    if (page.total >= q.offset && page.total < q.offset + q.limit)
      page.items.push_back(shown_expert_locked(who, e));
    ++page.total;
  }
  return page;
}

// ---- matching ------------------------------------------------------------

Result<ExpertProblemMatches> Service::expert_matches(const Principal& who,
                                                     const std::string& expert_id, int k) {
  if (who.role == Role::kEnterprise) return forbidden("access.enterprise_own_matches");
  std::shared_lock lock(mu_);
  auto e = experts_.find(expert_id);
  if (e == experts_.end()) return no_expert(expert_id);
  if (!index_) return Status(ErrorCode::kUnavailable, i18n::Message("index.not_ready"));
  ExpertProblemMatches out;
  out.expert = shown_expert_locked(who, e->second);
  out.remaining_capacity = remaining_capacity_locked(e->second);
  MatchFilters filters;
  if (who.role != Role::kAdmin) filters.county = who.county();
  int rejected = 0;
  for (const auto& [pair, review] : latest_)
    if (pair.second == expert_id && review.decision == "reject") ++rejected;
  auto ranked = matcher_->rank_problems(expert_id, filters, k + rejected);
  if (!ranked) return ranked.status();
  for (auto& m : *ranked) {
    if (static_cast<int>(out.matches.size()) >= k) break;
    auto p = problems_.find(m.problem_id);
    if (p == problems_.end() || !can_see_problem(who, *p->second)) continue;
    if (pair_state_locked(m.problem_id, expert_id) == PairState::kRejected) continue;
    out.matches.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<ExpertMatch>> Service::match_text(const Principal& who, const TextQuery& q,
                                                     std::optional<NoGoodMatch>* why) {
  Problem p;
  p.id = "adhoc";
  // Conflicts of interest apply to an enterprise's own query too.
  p.enterprise = who.role == Role::kEnterprise ? who.scope : "";
  p.county = who.county();
  p.title = q.title;
  p.description = q.description;
  p.keywords = q.keywords;
  std::shared_lock lock(mu_);
  if (!index_) return Status(ErrorCode::kUnavailable, i18n::Message("index.not_ready"));
  MatchFilters filters = q.filters;
  if (filters.require_capacity) filters.used_capacity = used_capacity_locked("");
  auto ranked = matcher_->rank_experts(p, filters, q.k);
  if (!ranked || !why) return ranked;
  auto reason = why_no_good_match_locked(p, *ranked);
  if (!reason) return reason.status();
  // "busy" says good experts may take it but are spoken for; here the
  // caller's own filters (county, college, title, age) may be what left them
  // out: then it is "filtered". One more ranking, without those filters,
  // only when a filter was given and no match is good.
  const bool narrowed =
      filters.county || filters.college || filters.title || filters.young_within_years;
  if (*reason && (*reason)->reason == "busy" && narrowed) {
    MatchFilters capacity_only;
    capacity_only.require_capacity = filters.require_capacity;
    capacity_only.used_capacity = filters.used_capacity;
    auto unfiltered = matcher_->rank_experts(p, capacity_only, 1);
    if (!unfiltered) return unfiltered.status();
    if (!unfiltered->empty() && unfiltered->front().good_match)
      *reason = NoGoodMatch{"filtered", i18n::Message("matches.none_filtered")};
  }
  *why = std::move(*reason);
  return ranked;
}

Result<std::vector<EnterpriseRecord>> Service::enterprises(
    const Principal& who, const std::optional<std::string>& county) {
  auto all = store_->list_enterprises();
  if (!all) return all.status();
  std::vector<EnterpriseRecord> out;
  for (auto& e : *all) {
    if (county && e.county != *county) continue;
    bool visible = who.role == Role::kAdmin ||
                   (who.role == Role::kEnterprise ? e.name == who.scope : e.county == who.county());
    if (visible) out.push_back(std::move(e));
  }
  return out;
}

Result<EnterpriseRecord> Service::register_enterprise(const Principal& who, const std::string& name,
                                                      const std::string& county) {
  if (who.role != Role::kAdmin && !(who.role == Role::kCounty && who.scope == county))
    return forbidden(who.role == Role::kCounty
                         ? i18n::Message("access.county_own_enterprises", {{"scope", who.scope}})
                         : i18n::Message("access.register_enterprises"));
  if (name.empty()) return field_error("name", "field.required");
  // Invisible characters make lookalikes (names.h); refused as in records.
  if (auto f = find_refused_char(name))
    return field_error(
        "name", {"field.name_invisible",
                 {{"code", code_point_name(f->code)}, {"offset", std::to_string(f->offset)}}});
  Status known = options_.counties.check(county, "county");
  if (!known) return known;
  auto writer = writer_for(who);
  if (!writer) return writer.status();
  // One enterprise, one registration, however its name is spelled (華衢 and
  // 华衢, a trailing space or zero-width space): a lookalike would otherwise
  // be a second enterprise whose token scope matches the first one's.
  // A county is told that the name is taken in the city, the same words
  // whether its own county or another holds it, never which one (names are
  // unique city-wide because token scopes name enterprises; docs/api.md).
  if (enterprises_.count(normalize_name(name)))
    return who.role == Role::kAdmin
               ? Status(ErrorCode::kAlreadyExists, {"enterprise.exists", {{"name", name}}})
               : Status(ErrorCode::kAlreadyExists, i18n::Message("enterprise.taken_in_city"));
  if (who.role != Role::kAdmin) {
    Status room = county_has_room_locked(county);
    if (!room) return room;
  }
  auto r = store_->add_enterprise(name, county);
  if (!r) return r.status();
  auto lock = lock_for_write();
  enterprises_[normalize_name(name)] = county;
  return r;
}

std::optional<std::string> Service::enterprise_county(const std::string& name) {
  std::shared_lock lock(mu_);
  auto it = enterprises_.find(normalize_name(name));
  if (it == enterprises_.end()) return std::nullopt;
  return it->second;
}

Result<Ledger> Service::ledger(const Principal& who, const std::string& county,
                               const LedgerOptions& options) {
  if (who.role != Role::kAdmin) {
    if (who.role == Role::kEnterprise) return forbidden("access.enterprise_ledgers");
    if (county.empty()) return forbidden("access.city_ledger");
    if (who.county() != county)
      return forbidden({"access.read_own_ledger", {{"county", who.county()}}});
  }
  // The plans of the ledger's scope approved (in force or superseded since),
  // without bodies: it reads teams and topics.
  auto approved = plans_->list(county, PlanFilter{PlanStatus::kApproved, false});
  if (!approved) return approved.status();
  auto superseded = plans_->list(county, PlanFilter{PlanStatus::kSuperseded, false});
  if (!superseded) return superseded.status();
  approved->insert(approved->end(), std::make_move_iterator(superseded->begin()),
                   std::make_move_iterator(superseded->end()));
  std::vector<Problem> problems;
  std::vector<Expert> experts;
  std::vector<LedgerAcceptance> accepted;
  std::shared_lock lock(mu_);
  for (const auto& [id, p] : problems_) problems.push_back(*p);
  for (const auto& [id, e] : experts_) experts.push_back(e);
  for (const auto& [pair, review] : latest_)
    if (review.decision == "accept")
      accepted.push_back({pair.first, pair.second, review.created_at});
  const auto rejected = rejected_pairs_locked();
  return make_ledger(county, options_.counties, {problems, experts, accepted, *approved, rejected},
                     options);
}

// ---- bulk ----------------------------------------------------------------

Result<ImportCounts> Service::import_jsonl(const Principal& who, ImportKind kind, std::string text,
                                           std::vector<NameSpelling>* names,
                                           const std::function<bool()>& cancelled) {
  if (who.role != Role::kAdmin) return forbidden("access.import_admin_only");
  auto writer = writer_for(who);
  if (!writer) return writer.status();
  auto gone = [&] { return cancelled && cancelled(); };
  const Status client_gone(ErrorCode::kUnavailable, i18n::Message{"import.client_gone"});
  // Counties and enterprises are checked as one-by-one writes check them,
  // against a copy kept only if everything is stored.
  std::map<std::string, std::string> registered = enterprises_;
  auto writer_tx = store_->begin_import();
  if (!writer_tx) return writer_tx.status();
  Store::ImportWriter& tx = **writer_tx;
  // Each record is stored as soon as it is read and then dropped: only ids
  // are kept until the transaction commits.
  std::vector<std::string> ids;
  size_t unconfirmed_kept = 0;
  // A record imported exactly as held (its exchange JSON) keeps the held
  // one's confirmation: an admin's export imported back confirmed every edit
  // awaiting the city, unseen (a new user's trial). Anything else an admin
  // imports is confirmed. experts_ and problems_ change only under
  // write_mu_, held here.
  auto keep_confirmation_of = [&](const auto& held, auto* imported) {
    unconfirmed_kept += keep_unconfirmed_state(held, imported);
  };
  ReadOptions options;
  options.names = names;
  auto stored = [&](const std::string& id) -> Status {
    ids.push_back(id);
    // Now and then: stop early for a client that went away.
    if (ids.size() % 1024 == 0 && gone()) return client_gone;
    return Status::ok();
  };
  Status read =
      kind == ImportKind::kExperts
          ? read_experts_jsonl(text, "body", options,
                               [&](Expert&& e, int) -> Status {
                                 if (auto h = experts_.find(e.id); h != experts_.end())
                                   keep_confirmation_of(h->second, &e);
                                 Status s = check_record_counties(options_.counties, e);
                                 if (s) s = tx.put(e);
                                 return s ? stored(e.id) : s;
                               })
          : read_problems_jsonl(text, "body", options, [&](Problem&& p, int line) -> Status {
              Status s = Status::ok();
              if (auto h = problems_.find(p.id); h != problems_.end()) {
                s = keep_workflow_state(*h->second, &p, "body", line);
                keep_confirmation_of(*h->second, &p);
              }
              if (s) s = check_record_counties(options_.counties, p, &registered);
              if (s) s = tx.put(p);
              return s ? stored(p.id) : s;
            });
  if (!read) return read;  // the transaction rolls back: nothing is stored
  if (gone()) return client_gone;
  Status committed = tx.commit();
  if (!committed) return committed;
  writer_tx->reset();  // the store is free again for readers
  // Durable from here. The body goes before the records come back, read from
  // the store as a restart would read them (so the index saved on shutdown
  // matches the store): the body and the records are never held together.
  std::string().swap(text);
  ImportCounts counts;
  counts.unconfirmed_kept = unconfirmed_kept;
  std::map<std::string, Expert> new_experts;
  // The imported problems only: problems_ keeps the others as they are.
  std::map<std::string, SharedProblem> new_problems;
  // Readers go on meanwhile: experts_ and problems_ change only under
  // write_mu_, held here.
  if (kind == ImportKind::kExperts) {
    new_experts = experts_;
    for (const auto& id : ids) {
      auto e = store_->get_expert(id);
      if (!e) return e.status();
      new_experts[id] = std::move(*e);
    }
    counts.experts = ids.size();
  } else {
    for (const auto& id : ids) {
      auto p = store_->get_problem(id);
      if (!p) return p.status();
      new_problems[id] = std::make_shared<const Problem>(std::move(*p));
    }
    counts.problems = ids.size();
  }
  // The new index, built outside the exclusive lock from the records it will
  // share with the service.
  std::vector<Expert> all_experts;
  all_experts.reserve(kind == ImportKind::kExperts ? new_experts.size() : experts_.size());
  for (const auto& [id, e] : kind == ImportKind::kExperts ? new_experts : experts_)
    all_experts.push_back(e);
  // The open ones, as indexed_problems() (model.h), in id order: problems_
  // and the imported ones merged, an imported id replacing a held one.
  std::vector<SharedProblem> all_problems;
  all_problems.reserve(problems_.size() + new_problems.size());
  // What the model learns from: every record, whatever its status, as the
  // city last confirmed it (fit_corpus_locked, with the imported ones).
  std::vector<const Problem*> fit_problems;
  fit_problems.reserve(problems_.size() + new_problems.size());
  auto held = problems_.cbegin();
  auto imported = new_problems.cbegin();
  while (held != problems_.cend() || imported != new_problems.cend()) {
    const SharedProblem* p = nullptr;
    if (imported == new_problems.cend() ||
        (held != problems_.cend() && held->first < imported->first)) {
      p = &(held++)->second.record;
    } else {
      if (held != problems_.cend() && held->first == imported->first) ++held;
      p = &(imported++)->second;
    }
    fit_problems.push_back(p->get());
    if (is_open((*p)->status)) all_problems.push_back(*p);
  }
  std::vector<const Expert*> fit_experts;
  fit_experts.reserve(all_experts.size());
  for (const auto& e : all_experts) fit_experts.push_back(&e);
  auto index = [&] {
    const FitCorpus fit = FitCorpus::of(fit_experts, fit_problems);
    return CorpusIndex::build_shared(all_experts, all_problems, options_.index, {}, &fit);
  }();
  std::vector<const Expert*>().swap(fit_experts);
  std::vector<const Problem*>().swap(fit_problems);
  std::vector<Expert>().swap(all_experts);
  std::vector<SharedProblem>().swap(all_problems);
  // The list search's texts of the imported records only, made before the
  // lock and filed under it (no copy of every record's text); made after the
  // build, so they are not held beside the model fit's matrices (the import's
  // peak).
  std::map<std::string, std::string> imported_text;
  for (const auto& id : ids)
    imported_text[id] = kind == ImportKind::kExperts ? expert_search_text(new_experts.at(id))
                                                     : problem_search_text(*new_problems.at(id));
  std::vector<std::string>().swap(ids);
  auto lock = lock_for_write();
  if (kind == ImportKind::kExperts) {
    experts_ = std::move(new_experts);
    for (auto& [id, text] : imported_text) expert_text_[id] = std::move(text);
  }
  for (auto& [id, record] : new_problems)
    problems_[id] = {std::move(record), std::move(imported_text[id])};
  enterprises_ = std::move(registered);
  count_open_locked();
  all_changed_locked();
  // The old index goes (its memory with it) before the new one is in place.
  index_.reset();
  if (index) {
    index_ = std::move(*index);
    log_skipped(*index_);
  } else {
    std::fprintf(stderr, "expertmatch serve: index build after import failed: %s\n",
                 index.status().to_string().c_str());
  }
  index_replaced_locked();
  index_dirty_ = true;
  lock.unlock();
#ifdef __GLIBC__
  // The build's transient memory (texts, the model fit's matrices) was freed
  // into malloc's free lists; hand what it can back to the system, or the
  // server's RSS stays at the import's high-water mark for good.
  malloc_trim(0);
#endif
  return counts;
}

Result<std::vector<Expert>> Service::export_experts(const Principal& who) {
  if (who.role != Role::kAdmin) return forbidden("access.export_admin_only");
  std::shared_lock lock(mu_);
  std::vector<Expert> out;
  for (const auto& [id, e] : experts_) out.push_back(e);
  return out;
}

Result<std::vector<Problem>> Service::export_problems(const Principal& who) {
  if (who.role != Role::kAdmin) return forbidden("access.export_admin_only");
  std::shared_lock lock(mu_);
  std::vector<Problem> out;
  for (const auto& [id, p] : problems_) out.push_back(*p);
  return out;
}

Result<std::vector<SkippedRecord>> Service::skipped_records(const Principal& who) {
  if (who.role != Role::kAdmin) return forbidden("access.skipped_admin_only");
  std::shared_lock lock(mu_);
  std::vector<SkippedRecord> out = set_aside_;
  if (index_) out.insert(out.end(), index_->skipped().begin(), index_->skipped().end());
  return out;
}

bool Service::ready_without_waiting() {
  std::shared_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return last_ready_.load();
  // Without an open problem or an expert there is nothing to index yet.
  bool ready =
      index_ != nullptr ||
      (experts_.empty() && std::none_of(problems_.begin(), problems_.end(),
                                        [](const auto& p) { return is_open(p.second->status); }));
  last_ready_ = ready;
  return ready;
}

ServiceStats Service::stats() {
  std::shared_lock lock(mu_);
  ServiceStats s;
  s.experts = experts_.size();
  s.problems = problems_.size();
  for (const auto& [enterprise, n] : open_by_enterprise_) s.open_problems += n;
  s.reviews = review_count_;
  s.index_ready = index_ != nullptr;
  if (index_) {
    s.index_units = index_->unit_count();
    s.index_vectors = index_->expert_vectors().size() + index_->problem_vectors().size();
  }
  if (matcher_) {
    const Matcher::CacheCounts c = matcher_->cache_counts();
    s.matcher_aggregates = c.preps_made;
    s.matcher_units_analysed = c.units_analysed;
  }
  return s;
}

}  // namespace expertmatch::api
