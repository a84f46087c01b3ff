// DataDirLock (one writer process per data directory) and the known counties.
#include "corpus/data_dir_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "corpus/counties.h"
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

TEST(CountiesTest, NearestKnownCounty) {
  struct Case {
    const char* given;
    const char* nearest;
  };
  const Case cases[] = {
      {"常山县", "常山县"},
      {"常山", "常山县"},
      {" 常山县 ", "常山县"},
      {"\xe3\x80\x80开化县", "开化县"},
      {"衢州智造", "衢州智造新城"},
      {"柯城", "柯城区"},
      {"龙游", "龙游县"},
      {"杭州市", ""},
      {"", ""},
      {"Hangzhou", ""},
  };
  for (const auto& c : cases)
    EXPECT_EQ(nearest_county(c.given, known_counties()), c.nearest) << c.given;
  EXPECT_EQ(known_counties().size(), 7u);
}

}  // namespace
}  // namespace expertmatch
