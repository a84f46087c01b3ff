// Every handler of the API, one function from a routed request to a response
// (no I/O of its own; the Service does the storage). The route table in
// api/routes.cpp names them; each resource's handlers live in one file here:
//   system.cpp    /healthz, /readyz, /metrics, /api/v1/whoami
//   counties.cpp  /api/v1/counties
//   enterprises.cpp /api/v1/enterprises
//   problems.cpp  /api/v1/problems[/{id}[/withdraw|/status|/history]] (PUT replaces, PATCH merges)
//   experts.cpp   /api/v1/experts[/{id}[/deactivate|/reactivate]]
//   matches.cpp   /api/v1/problems/{id}/matches, /api/v1/experts/{id}/matches, /api/v1/match
//   reviews.cpp   /api/v1/problems/{id}/reviews, /api/v1/review-queue
//   bulk.cpp      /api/v1/import/*, /api/v1/export/*
//   plans.cpp     /api/v1/counties/{id}/plans, /api/v1/plans/{id}[/approve|/discard]
//                 (?format=xlsx|csv)
//   ledger.cpp    /api/v1/counties/{id}/ledger, /api/v1/ledger (JSON, XLSX, CSV)
//   skipped.cpp   /api/v1/skipped-records
//   sessions.cpp  /api/v1/sessions[/current], /api/v1/accounts[/{id}/disable]
//   static_files.cpp  /, /favicon.ico and /web/... (the pages, from the web root)
//   page_messages.cpp /web/messages/{zh|en} (the pages' words, from the catalogue)
//
// Thread safety: handlers are called concurrently from the worker threads;
// they keep no state of their own.
#pragma once

#include "api/handlers/common.h"

namespace expertmatch::api::handlers {

// /healthz's and /readyz's answers, also given on the I/O thread
// (handle_without_queueing): neither waits for the service's lock unless
// `with_counts` (the corpus counts, for admins and the operator listener).
ApiResponse healthz_response();
ApiResponse readiness_response(const RequestContext& context, bool with_counts);
// /readyz while the service opens: 503 {"status": "not_ready", "reason": "starting: ..."}.
ApiResponse starting_readiness_response();

ApiResponse healthz(const Call& c);
ApiResponse readyz(const Call& c);
ApiResponse metrics(const Call& c);
ApiResponse whoami(const Call& c);

ApiResponse list_counties(const Call& c);
ApiResponse list_enterprises(const Call& c);
ApiResponse create_enterprise(const Call& c);
ApiResponse county_ledger(const Call& c);
ApiResponse city_ledger(const Call& c);

ApiResponse create_problem(const Call& c);
ApiResponse get_problem(const Call& c);
ApiResponse list_problems(const Call& c);
ApiResponse update_problem(const Call& c);
ApiResponse patch_problem(const Call& c);
ApiResponse withdraw_problem(const Call& c);
ApiResponse change_problem_status(const Call& c);
ApiResponse problem_history(const Call& c);
// What an edit awaiting the city changed since the city last confirmed the
// record (docs/api.md).
ApiResponse problem_changes(const Call& c);

ApiResponse create_expert(const Call& c);
ApiResponse get_expert(const Call& c);
ApiResponse list_experts(const Call& c);
ApiResponse update_expert(const Call& c);
ApiResponse patch_expert(const Call& c);
ApiResponse expert_changes(const Call& c);
ApiResponse deactivate_expert(const Call& c);
ApiResponse reactivate_expert(const Call& c);

ApiResponse problem_matches(const Call& c);
ApiResponse expert_matches(const Call& c);
ApiResponse match_text(const Call& c);

ApiResponse create_review(const Call& c);
ApiResponse list_reviews(const Call& c);
ApiResponse review_queue(const Call& c);

// GET /api/v1/skipped-records (admin): records left out of the service or the index.
ApiResponse list_skipped_records(const Call& c);
ApiResponse import_experts(const Call& c);
ApiResponse import_problems(const Call& c);
ApiResponse export_experts(const Call& c);
ApiResponse export_problems(const Call& c);

ApiResponse create_plan(const Call& c);
ApiResponse get_plan(const Call& c);
ApiResponse approve_plan(const Call& c);
ApiResponse discard_plan(const Call& c);
ApiResponse list_plans(const Call& c);

ApiResponse create_session(const Call& c);
ApiResponse delete_session(const Call& c);
ApiResponse list_accounts(const Call& c);
ApiResponse create_account(const Call& c);
ApiResponse disable_account(const Call& c);

ApiResponse static_file(const Call& c);
ApiResponse favicon(const Call& c);
ApiResponse page_messages(const Call& c);

}  // namespace expertmatch::api::handlers
