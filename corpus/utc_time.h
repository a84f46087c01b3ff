// The current UTC time and date as the project stores and compares them:
// token expiry, store timestamps, the data directory lock's description,
// the ledger's "as of" date and a submission's default date. One format
// each, so that stamps written by different parts compare as strings.
//
// Thread safety: safe from any thread (gmtime_r, no shared state).
#pragma once

#include <ctime>
#include <string>

namespace expertmatch {

// `t` (seconds since the epoch) as "YYYY-MM-DDTHH:MM:SSZ" (ISO 8601, UTC).
std::string utc_timestamp(std::time_t t);
// utc_timestamp of the current time.
std::string utc_now();
// The current UTC date as "YYYY-MM-DD".
std::string today_utc();

}  // namespace expertmatch
