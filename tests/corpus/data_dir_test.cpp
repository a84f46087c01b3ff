// DataDirLock: one writer process per data directory.
#include "corpus/data_dir_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "tests/test_corpus.h"

namespace expertmatch {
namespace {

using fixture::TempDir;

TEST(DataDirLockTest, ASecondHolderIsRefusedWithTheFirstNamed) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  {
    auto first = DataDirLock::acquire(dir.path(), "expertmatch serve");
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    auto second = DataDirLock::acquire(dir.path(), "expertmatch import");
    ASSERT_FALSE(second.is_ok());
    EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
    const std::string& why = second.status().message();
    EXPECT_NE(why.find("pid " + std::to_string(::getpid()) + ", expertmatch serve, started "),
              std::string::npos)
        << why;
  }
  EXPECT_TRUE(DataDirLock::acquire(dir.path(), "expertmatch import").is_ok())
      << "released with its holder";
  EXPECT_EQ(DataDirLock::acquire(dir.file("absent"), "x").status().code(), ErrorCode::kIOError);
}

TEST(DataDirLockTest, TheKernelReleasesTheLockOfAKilledHolder) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = DataDirLock::acquire(dir.path(), "expertmatch serve");
    char c = lock ? 'y' : 'n';
    if (::write(ready[1], &c, 1) != 1) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(c, 'y');
  auto held = DataDirLock::acquire(dir.path(), "expertmatch serve");
  ASSERT_FALSE(held.is_ok());
  EXPECT_NE(held.status().message().find("pid " + std::to_string(child) + ","), std::string::npos)
      << held.status().message();
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  // The lock file is still there with the dead holder's text; the lock is not.
  auto after = DataDirLock::acquire(dir.path(), "expertmatch serve");
  EXPECT_TRUE(after.is_ok()) << after.status().to_string();
}

}  // namespace
}  // namespace expertmatch
