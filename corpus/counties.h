// The counties (县、市、区) whose problem banks and workstations the service
// keeps: Quzhou's six counties, cities and districts plus 衢州智造新城 by
// default; a setting may replace the list (ServerConfig::counties).
//
// A county named anywhere (a problem, a plan, a token's scope) must be one of
// the list, spelt exactly: "江山" or " 江山市" is not 江山市, and a record filed
// under it would be seen by no county department. check() says which known
// name was probably meant.
//
// Thread safety: immutable after construction; share freely.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "corpus/model.h"
#include "corpus/status.h"

namespace expertmatch {

class CountyList {
 public:
  // 柯城区, 衢江区, 龙游县, 江山市, 常山县, 开化县, 衢州智造新城.
  static const std::vector<std::string>& quzhou();

  // The default list (quzhou()).
  CountyList();
  // `names` in the order they are shown; duplicates are dropped.
  explicit CountyList(const std::vector<std::string>& names);
  // Parses "A,B,C" (a setting's text): names are trimmed of spaces; an empty
  // or duplicated name is kInvalidArgument naming `setting`.
  static Result<CountyList> parse(const std::string& text, const std::string& setting);

  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const;
  // The known name `name` most probably meant: the one it is a prefix or part
  // of, or that contains its stem (江山 -> 江山市, 常山 -> 常山县), or
  // the one at the smallest edit distance (in code points, after trimming
  // spaces) if that is at most a third of the name's length. nullopt if none.
  std::optional<std::string> nearest(const std::string& name) const;
  // ok if known; else kInvalidArgument with a FieldError on `field` (source
  // `source`): `unknown county "江山"; did you mean "江山市"?`.
  Status check(const std::string& name, const std::string& field,
               const std::string& source = "body") const;

 private:
  std::vector<std::string> names_;
};

// Checks a batch of records (an import) as single writes are checked: every
// expert station and problem county must be in `counties`, and an enterprise
// is filed under one county only, its registered one (`registered`: name ->
// county, keyed by normalize_name: 華衢 and 华衢 are one enterprise) or, if new, the first one the
// batch gives. On success `registered` holds the registrations after the batch; on failure it is
// unchanged and the kInvalidArgument status lists every error (source "experts" or "problems", the
// record's id in the reason).
Status check_record_counties(const CountyList& counties, const std::vector<Expert>& experts,
                             const std::vector<Problem>& problems,
                             std::map<std::string, std::string>* registered);
// The same checks for one record at a time (an import read and stored as it
// is read). A problem's new enterprise is added to `registered` at once (the
// caller checks against a copy and keeps it only if the whole batch is
// stored). Errors name the field, with the record's id in the reason; their
// source and line are left empty for the reader to fill in.
Status check_record_counties(const CountyList& counties, const Expert& expert);
Status check_record_counties(const CountyList& counties, const Problem& problem,
                             std::map<std::string, std::string>* registered);

}  // namespace expertmatch
