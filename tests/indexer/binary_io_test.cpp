// BinaryWriter's three modes write the same bytes, and a streamed index file
// replaces the old one only when it is whole.
#include "indexer/binary_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "corpus/atomic_file.h"
#include "corpus/exchange_format.h"

namespace expertmatch {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/binary_io_testXXXXXX";
  return std::string(mkdtemp(tmpl));
}

// Some of each kind of write, with a block large enough to bypass the buffer.
template <typename W>
void fill(W& w) {
  w.u32(7);
  w.u64(1ULL << 40);
  w.f32(0.5f);
  w.str("螺杆空压机");
  std::vector<float> big(600 * 1024, 0.25f);  // 2.4 MB, over the 1 MiB buffer
  big[12345] = 3.0f;
  w.vec(big);
  for (int i = 0; i < 100000; ++i) w.u32(static_cast<uint32_t>(i));  // through the buffer
}

TEST(BinaryWriterTest, StreamedFileHasTheBufferedBytesAndHash) {
  BinaryWriter buffered;
  fill(buffered);
  std::string bytes = buffered.finish();
  EXPECT_EQ(buffered.file_hash(), fnv1a64(bytes));

  BinaryWriter hash_only(BinaryWriter::Mode::kHashOnly);
  fill(hash_only);
  EXPECT_EQ(hash_only.file_hash(), fnv1a64(bytes));

  std::string dir = temp_dir();
  auto file = AtomicFile::open(dir + "/units.bin");
  ASSERT_TRUE(file) << file.status().to_string();
  BinaryWriter streamed(file->get());
  fill(streamed);
  ASSERT_TRUE(streamed.commit());
  auto on_disk = read_text_file(dir + "/units.bin");
  ASSERT_TRUE(on_disk);
  EXPECT_EQ(on_disk->size(), bytes.size());
  EXPECT_TRUE(*on_disk == bytes);
  EXPECT_EQ(streamed.file_hash(), fnv1a64(*on_disk));
  BinaryReader r(*on_disk);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u32(), 7u);
  std::filesystem::remove_all(dir);
}

// The values fill() wrote, read back and checked; false at the first that differs.
bool read_back(BinaryReader& r) {
  if (r.u32() != 7u || r.u64() != (1ULL << 40) || r.f32() != 0.5f || r.str() != "螺杆空压机")
    return false;
  std::vector<float> big = r.vec<float>();
  if (big.size() != 600u * 1024u || big[12345] != 3.0f || big[0] != 0.25f) return false;
  for (int i = 0; i < 100000; ++i)
    if (r.u32() != static_cast<uint32_t>(i)) return false;
  return r.ok() && r.at_end();
}

TEST(BinaryReaderTest, AFileIsReadAsItIsParsedWithTheSameValuesAndHashAsItsBytes) {
  BinaryWriter buffered;
  fill(buffered);
  const std::string bytes = buffered.finish();
  std::string dir = temp_dir();
  ASSERT_TRUE(write_file_atomically(dir + "/units.bin", bytes));

  BinaryReader in_memory(bytes);
  ASSERT_TRUE(in_memory.ok());
  EXPECT_EQ(in_memory.file_hash(), fnv1a64(bytes));
  EXPECT_TRUE(read_back(in_memory));

  auto from_file = BinaryReader::open_file(dir + "/units.bin");
  ASSERT_TRUE(from_file) << from_file.status().to_string();
  ASSERT_TRUE(from_file->ok());
  EXPECT_EQ(from_file->file_hash(), fnv1a64(bytes));
  EXPECT_TRUE(read_back(*from_file));
  // Past the end: not ok, and a zero.
  EXPECT_EQ(from_file->u32(), 0u);
  EXPECT_FALSE(from_file->ok());

  // One changed byte anywhere, the checksum's own included, is noticed.
  for (size_t at : {size_t{0}, bytes.size() / 2, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    ASSERT_TRUE(write_file_atomically(dir + "/units.bin", damaged));
    auto r = BinaryReader::open_file(dir + "/units.bin");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok()) << "byte " << at;
    EXPECT_EQ(r->file_hash(), fnv1a64(damaged));
  }
  // Cut short, down to less than a checksum.
  for (size_t size : {bytes.size() - 1, size_t{7}, size_t{0}}) {
    ASSERT_TRUE(write_file_atomically(dir + "/units.bin", bytes.substr(0, size)));
    auto r = BinaryReader::open_file(dir + "/units.bin");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok()) << size << " bytes";
  }
  auto missing = BinaryReader::open_file(dir + "/nothing.bin");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), ErrorCode::kIOError);
  EXPECT_NE(missing.status().message().find(dir + "/nothing.bin: cannot open"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// An empty vector reads back empty and the reader goes on after it (its
// data() is null: copying 0 bytes to it was undefined, UBSan found it).
TEST(BinaryReaderTest, AnEmptyVectorReadsBackEmpty) {
  BinaryWriter w;
  w.vec(std::vector<int64_t>{});
  w.u32(42);
  w.vec(std::vector<int64_t>{7, -1});
  std::string bytes = w.finish();
  BinaryReader r(bytes);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.vec<int64_t>().empty());
  EXPECT_EQ(r.u32(), 42u);
  EXPECT_EQ(r.vec<int64_t>(), (std::vector<int64_t>{7, -1}));
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

// Attack trial 4: units.bin replaced by a link to /dev/zero read for ever, and
// a pipe in its place blocked the open. Only a regular file is read.
TEST(BinaryReaderTest, OnlyARegularFileIsOpened) {
  std::string dir = temp_dir();
  ASSERT_EQ(::mkfifo((dir + "/pipe.bin").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/zero", dir + "/zero.bin");
  BinaryWriter w;
  w.u32(7);
  ASSERT_TRUE(write_file_atomically(dir + "/real.bin", w.finish()));
  std::filesystem::create_symlink(dir + "/real.bin", dir + "/link.bin");
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"pipe.bin", "not a regular file"},
      {"zero.bin", "Too many levels of symbolic links"},
      {"link.bin", "Too many levels of symbolic links"},
  };
  for (const auto& [name, why] : refused) {
    auto r = BinaryReader::open_file(dir + "/" + name);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.status().code(), ErrorCode::kIOError);
    EXPECT_EQ(r.status().message(), dir + "/" + name + ": cannot open: " + why);
  }
  auto real = BinaryReader::open_file(dir + "/real.bin");
  ASSERT_TRUE(real);
  EXPECT_TRUE(real->ok());
  EXPECT_EQ(real->u32(), 7u);
  std::filesystem::remove_all(dir);
}

TEST(BinaryWriterTest, WithoutChecksumTheFileIsThePayload) {
  std::string dir = temp_dir();
  auto file = AtomicFile::open(dir + "/x.faiss");
  ASSERT_TRUE(file);
  BinaryWriter w(file->get(), /*with_checksum=*/false);
  w.str("abc");
  ASSERT_TRUE(w.commit());
  auto on_disk = read_text_file(dir + "/x.faiss");
  ASSERT_TRUE(on_disk);
  EXPECT_EQ(on_disk->size(), 8u + 3u);
  EXPECT_EQ(w.file_hash(), fnv1a64(*on_disk));
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, AnUncommittedFileLeavesTheOldOneAndNoTemporary) {
  std::string dir = temp_dir();
  ASSERT_TRUE(write_file_atomically(dir + "/model.bin", "old"));
  {
    auto file = AtomicFile::open(dir + "/model.bin");
    ASSERT_TRUE(file);
    BinaryWriter w(file->get());
    w.str("new content that is never committed");
  }  // destroyed without commit, as when a save fails half way
  auto on_disk = read_text_file(dir + "/model.bin");
  ASSERT_TRUE(on_disk);
  EXPECT_EQ(*on_disk, "old");
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u) << "the temporary file is removed";
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, AFolderThatCannotBeWrittenIsAnIOError) {
  auto file = AtomicFile::open("/nonexistent-folder-of-expertmatch/units.bin");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.status().code(), ErrorCode::kIOError);
  EXPECT_NE(file.status().message().find("/nonexistent-folder-of-expertmatch/units.bin"),
            std::string::npos);
}

}  // namespace
}  // namespace expertmatch
