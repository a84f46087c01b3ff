#include "corpus/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace expertmatch {

Result<std::unique_ptr<AtomicFile>> AtomicFile::open(const std::string& path) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(ErrorCode::kIOError, tmp + ": " + std::strerror(errno));
  return std::unique_ptr<AtomicFile>(new AtomicFile(path, std::move(tmp), fd));
}

AtomicFile::~AtomicFile() { abandon(); }

void AtomicFile::abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tmp_.c_str());
  fd_ = -1;
}

Status AtomicFile::write(std::string_view data) {
  if (fd_ < 0) return Status(ErrorCode::kIOError, tmp_ + ": write after commit or failure");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      abandon();
      return Status(ErrorCode::kIOError, tmp_ + ": write: " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status AtomicFile::commit() {
  if (fd_ < 0) return Status(ErrorCode::kIOError, tmp_ + ": commit after failure");
  int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp_.c_str());
    return Status(ErrorCode::kIOError, tmp_ + ": fsync: " + std::strerror(err));
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    return Status(ErrorCode::kIOError, tmp_ + ": close: " + std::strerror(err));
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    return Status(ErrorCode::kIOError, path_ + ": rename: " + std::strerror(err));
  }
  // Make the rename itself durable.
  std::string dir = path_.find('/') == std::string::npos ? "." : path_.substr(0, path_.rfind('/'));
  if (dir.empty()) dir = "/";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

Status write_file_atomically(const std::string& path, std::string_view content) {
  auto file = AtomicFile::open(path);
  if (!file) return file.status();
  Status s = (*file)->write(content);
  if (!s) return s;
  return (*file)->commit();
}

std::vector<std::string> remove_abandoned_temporaries(const std::string& dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    size_t at = name.rfind(".tmp.");  // the name open() gives
    if (at == std::string::npos || at + 5 == name.size() ||
        name.find_first_not_of("0123456789", at + 5) != std::string::npos)
      continue;
    std::error_code failed;
    if (entry.is_regular_file(failed) && std::filesystem::remove(entry.path(), failed))
      removed.push_back(std::move(name));
  }
  return removed;
}

}  // namespace expertmatch
