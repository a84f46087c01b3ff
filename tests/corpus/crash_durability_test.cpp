// Durability: a write the Store acknowledged survives the process being killed.
//
// A child process writes records one at a time and, after each put_*() returns
// ok, sends the record's id down a pipe. The parent reads some of those
// acknowledgements, SIGKILLs the child mid-stream, reopens the store and checks
// that every acknowledged record is there and intact. Three rounds, each
// continuing in the same store after the previous crash.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "corpus/exchange_format.h"
#include "corpus/store.h"
#include "tests/test_corpus.h"

namespace expertmatch {
namespace {

using fixture::TempDir;

// Record i, reproducible from its number: even numbers are experts, odd problems.
std::string record_id(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c-%06d", i % 2 == 0 ? 'e' : 'p', i);
  return buf;
}

Expert expert_for(int i) {
  Expert e;
  e.id = record_id(i);
  e.name = "专家" + std::to_string(i);
  e.organization = "衢州学院";
  e.fields = {"轴承", "领域" + std::to_string(i % 7)};
  e.bio = std::string(200 + i % 50, 'x') + "简介" + std::to_string(i);
  e.birth_year = 1950 + i % 50;
  e.capacity = i % 5;
  for (int w = 0; w < 1 + i % 3; ++w)
    e.works.push_back(fixture::make_work(WorkKind::kPaper,
                                         "论文" + std::to_string(i) + "-" + std::to_string(w),
                                         "摘要" + std::to_string(i), {"关键词"}, 2000 + w));
  return e;
}

Problem problem_for(int i) {
  Problem p;
  p.id = record_id(i);
  p.enterprise = "企业" + std::to_string(i);
  p.county = "柯城区";
  p.title = "难题" + std::to_string(i);
  p.description = std::string(100 + i % 30, 'y');
  p.urgency = 1 + i % 5;
  return p;
}

// The child: writes records from `first` on until killed; never returns.
[[noreturn]] void write_until_killed(const std::string& dir, int first, int ack_fd) {
  auto store = Store::open(dir);
  if (!store) ::_exit(2);
  for (int i = first; i < first + 1000000; ++i) {
    Status s =
        i % 2 == 0 ? (*store)->put_expert(expert_for(i)) : (*store)->put_problem(problem_for(i));
    if (!s) ::_exit(3);
    std::string line = record_id(i) + "\n";
    size_t done = 0;
    while (done < line.size()) {
      ssize_t n = ::write(ack_fd, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(4);
      done += static_cast<size_t>(n);
    }
  }
  ::_exit(0);
}

// Reads complete lines from `fd` until `want` have arrived (want < 0: until EOF).
void read_acks(int fd, int want, std::string* pending, std::vector<std::string>* acks) {
  char buf[4096];
  while (want < 0 || static_cast<int>(acks->size()) < want) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    pending->append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending->find('\n')) != std::string::npos) {
      acks->push_back(pending->substr(0, nl));
      pending->erase(0, nl + 1);
    }
  }
}

int number_of(const std::string& id) { return std::stoi(id.substr(2)); }

TEST(CrashDurabilityTest, AcknowledgedWritesSurviveSigkill) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string data = dir.file("data");
  std::set<std::string> acknowledged;
  int next = 0;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      write_until_killed(data, next, fds[1]);
    }
    ::close(fds[1]);
    std::string pending;
    std::vector<std::string> acks;
    read_acks(fds[0], 20 + 7 * round, &pending, &acks);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    // Everything already in the pipe was acknowledged too.
    read_acks(fds[0], -1, &pending, &acks);
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "child exited by itself with status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    ASSERT_GE(acks.size(), 20u + 7 * round);
    EXPECT_TRUE(pending.empty()) << "a torn acknowledgement: " << pending;
    for (const auto& id : acks) acknowledged.insert(id);

    // Reopen after the crash and check every acknowledged record.
    auto store = Store::open(data);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    for (const auto& id : acknowledged) {
      int i = number_of(id);
      if (i % 2 == 0) {
        auto e = (*store)->get_expert(id);
        ASSERT_TRUE(e.is_ok()) << id << ": " << e.status().to_string();
        EXPECT_EQ(to_json(*e), to_json(expert_for(i))) << id;
      } else {
        auto p = (*store)->get_problem(id);
        ASSERT_TRUE(p.is_ok()) << id << ": " << p.status().to_string();
        EXPECT_EQ(to_json(*p), to_json(problem_for(i))) << id;
      }
    }
    // A record committed but not yet acknowledged may be there as well; if it
    // is, it is whole too.
    auto experts = (*store)->list_experts();
    auto problems = (*store)->list_problems();
    ASSERT_TRUE(experts.is_ok() && problems.is_ok());
    for (const auto& e : *experts) EXPECT_EQ(to_json(e), to_json(expert_for(number_of(e.id))));
    for (const auto& p : *problems) EXPECT_EQ(to_json(p), to_json(problem_for(number_of(p.id))));
    EXPECT_GE(experts->size() + problems->size(), acknowledged.size());
    // The next round continues after the last record that may exist.
    next = number_of(acks.back()) + 2;
  }
}

}  // namespace
}  // namespace expertmatch
