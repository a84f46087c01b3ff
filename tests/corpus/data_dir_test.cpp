// DataDirLock: one writer process per data directory.
#include "corpus/data_dir_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <chrono>
#include <thread>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

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

// Attack trial 21: a command refused within the first half second of the
// holder's start said "holder not recorded": the holder writes its
// description just after taking the lock. The refusal waits a moment for it.
TEST(DataDirLockTest, ARefusalNamesAHolderThatHasJustStarted) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  // A holder that has the lock and has not yet written who it is.
  int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  std::thread holder([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(dir.file(DataDirLock::kFileName))
        << "pid 4242, expertmatch import, started 2026-12-01T13:00:00Z\n";
  });
  auto second = DataDirLock::acquire(dir.path(), "expertmatch serve");
  holder.join();
  ::close(fd);
  ASSERT_FALSE(second.is_ok());
  EXPECT_NE(second.status().message().find("pid 4242, expertmatch import"), std::string::npos)
      << second.status().message();
}

// An attack trial copied a backup over DATA/lock beside a running server: the
// old lock was then held on a deleted file and a second server started.
TEST(DataDirLockTest, ReplacingOrRemovingTheLockFileDoesNotFreeTheLock) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto held = DataDirLock::acquire(dir.path(), "expertmatch serve");
  ASSERT_TRUE(held.is_ok()) << held.status().to_string();
  std::string copy = dir.file("copy");
  std::ofstream(copy) << std::string("SQLite format 3\0\x10\x00\x01\x01", 20) << "\x07 junk";
  ASSERT_EQ(::rename(copy.c_str(), dir.file(DataDirLock::kFileName).c_str()), 0);
  auto second = DataDirLock::acquire(dir.path(), "expertmatch serve");
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  // The description is gone: the refusal says so and carries none of the file's bytes.
  EXPECT_NE(second.status().message().find(
                " is in use by another process (holder not recorded in " + dir.file("lock") + ")"),
            std::string::npos)
      << second.status().message();
  EXPECT_EQ(second.status().message().find("SQLite"), std::string::npos);
  ASSERT_EQ(::unlink(dir.file(DataDirLock::kFileName).c_str()), 0);
  EXPECT_EQ(DataDirLock::acquire(dir.path(), "expertmatch import").status().code(),
            ErrorCode::kUnavailable);
}

TEST(DataDirLockTest, ADataDirectoryReachedThroughASymbolicLinkIsTheSameLock) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::filesystem::create_directories(dir.file("data"));
  std::filesystem::create_directory_symlink(dir.file("data"), dir.file("alias"));
  auto held = DataDirLock::acquire(dir.file("data"), "expertmatch serve");
  ASSERT_TRUE(held.is_ok()) << held.status().to_string();
  auto second = DataDirLock::acquire(dir.file("alias"), "expertmatch serve");
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(::getpid()) +
                                           ", expertmatch serve, started "),
            std::string::npos)
      << second.status().message();
}

// An attack trial linked DATA/store.sqlite into a second directory and served
// both: two locks on one store.
TEST(DataDirLockTest, AStoreLinkedIntoAnotherDirectoryIsRefusedThere) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::filesystem::create_directories(dir.file("data"));
  std::ofstream(dir.file("data/store.sqlite")) << "a store";
  auto held = DataDirLock::acquire(dir.file("data"), "expertmatch serve");
  ASSERT_TRUE(held.is_ok()) << held.status().to_string();

  struct Case {
    const char* name;
    std::function<void(const std::string& target, const std::string& link)> make;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"symlink-store",
       [](const std::string& t, const std::string& l) {
         std::filesystem::create_symlink(t + "/store.sqlite", l + "/store.sqlite");
       },
       "store.sqlite is a symbolic link to " + dir.file("data/store.sqlite")},
      {"hardlink-store",
       [](const std::string& t, const std::string& l) {
         std::filesystem::create_hard_link(t + "/store.sqlite", l + "/store.sqlite");
       },
       "store.sqlite has 2 names (hard links)"},
      {"symlink-wal",
       [](const std::string& t, const std::string& l) {
         std::ofstream(l + "/store.sqlite") << "another store";
         std::filesystem::create_symlink(t + "/store.sqlite-wal", l + "/store.sqlite-wal");
       },
       "store.sqlite-wal is a symbolic link"},
      {"directory-store",
       [](const std::string&, const std::string& l) {
         std::filesystem::create_directories(l + "/store.sqlite");
       },
       "store.sqlite is not a regular file"},
  };
  for (const auto& c : cases) {
    std::string other = dir.file(c.name);
    std::filesystem::create_directories(other);
    c.make(dir.file("data"), other);
    auto lock = DataDirLock::acquire(other, "expertmatch serve");
    ASSERT_FALSE(lock.is_ok()) << c.name;
    EXPECT_EQ(lock.status().code(), ErrorCode::kConflict) << c.name;
    EXPECT_NE(lock.status().message().find(c.says), std::string::npos)
        << c.name << ": " << lock.status().message();
    // Refused, the lock is not kept: with the link gone it is taken.
    std::filesystem::remove_all(other);
    std::filesystem::create_directories(other);
    EXPECT_TRUE(DataDirLock::acquire(other, "expertmatch serve").is_ok()) << c.name;
  }
}

TEST(DataDirLockTest, ADataDirectoryIsRecognisedByItsStoreFilesOrItsLockFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string marker;
  EXPECT_FALSE(looks_like_data_directory(dir.path(), &marker));
  std::filesystem::create_directory_symlink("/", dir.file("lock"));
  EXPECT_FALSE(looks_like_data_directory(dir.path())) << "a link named lock (/var/lock) is not one";
  std::filesystem::remove(dir.file("lock"));
  for (const char* name : {"store.sqlite", "store.sqlite-wal", "store.sqlite-shm", "lock"}) {
    std::ofstream(dir.file(name)).close();
    EXPECT_TRUE(looks_like_data_directory(dir.path(), &marker)) << name;
    EXPECT_EQ(marker, name);
    std::filesystem::remove(dir.file(name));
  }
}

}  // namespace
}  // namespace expertmatch
