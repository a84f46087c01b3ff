#include "corpus/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace expertmatch {
namespace {

std::string lock_path(const std::string& data_dir) {
  return data_dir + "/" + DataDirLock::kFileName;
}

std::string read_all(int fd) {
  std::string out;
  char buf[512];
  off_t at = 0;
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, at)) > 0 && out.size() < 4096) {
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status io_error(const std::string& path, const char* what) {
  return Status(ErrorCode::kIOError, path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const std::string& data_dir,
                                                          const std::string& command) {
  std::string path = lock_path(data_dir);
  // O_CLOEXEC: a child process must not inherit (and so keep holding) the lock.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, "open");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      Status s = io_error(path, "flock");
      ::close(fd);
      return s;
    }
    std::string who = read_all(fd);
    ::close(fd);
    return Status(ErrorCode::kUnavailable,
                  data_dir + " is in use by another process (" +
                      (who.empty() ? std::string("holder not yet recorded") : who) +
                      "); stop it first, or use the running server's API");
  }
  // Only the holder writes the description, so readers see one holder's text
  // (or an empty file in the instant between flock and write).
  std::string who =
      "pid " + std::to_string(::getpid()) + ", " + command + ", started " + utc_now() + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.data(), who.size(), 0) < 0) {
    Status s = io_error(path, "write");
    ::close(fd);
    return s;
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() {
  // Clear the description first so a later reader never names a gone holder.
  [[maybe_unused]] int rc = ::ftruncate(fd_, 0);
  ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace expertmatch
