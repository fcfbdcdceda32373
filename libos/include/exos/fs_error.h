// Errors of the file-system pieces (block cache, FAT). The kernel ABI's abi::Error speaks of
// frames and environments; a disk that fails, a full volume or a corrupt FAT need words of their
// own, so the file system reports these and never a borrowed ABI code.
#pragma once

#include <cstdint>

namespace exos {

enum class [[nodiscard]] FsError : uint8_t {
    Ok = 0,
    IoError,          // the block device refused a read, write or flush
    NoSpace,          // no free cluster, or a directory that may not grow (FAT12/16 root)
    NotFound,         // no such file or directory
    AlreadyExists,    // the name is taken
    NotDirectory,     // a path component, or rmdir's target, is a file
    IsDirectory,      // a file operation on a directory
    NotEmpty,         // rmdir of a directory that still has entries
    InvalidPath,      // empty, relative, "..", or a component too long
    InvalidName,      // a character FAT forbids, or a name of only dots and spaces
    InvalidArgument,  // a closed file, a bad flag mix, a position past 4 GiB - 1
    BadVolume,        // the boot sector is no FAT volume this code can mount
    Corrupt,          // a loop or out-of-range cluster, a chain shorter than the size, a bad "."
    NotMounted,       // an operation before mount() succeeded
    ReadOnly,         // a write through a file opened without kWrite
    Busy,             // rename into its own subtree, or removing the root
    FileTooLarge,     // past FAT's 4 GiB - 1 byte file size
    EndOfDirectory,   // directory iteration has no more entries (not a failure)
    Count,
};

constexpr const char* to_string(FsError error) {
    switch (error) {
    case FsError::Ok: return "ok";
    case FsError::IoError: return "i/o error";
    case FsError::NoSpace: return "no space";
    case FsError::NotFound: return "not found";
    case FsError::AlreadyExists: return "already exists";
    case FsError::NotDirectory: return "not a directory";
    case FsError::IsDirectory: return "is a directory";
    case FsError::NotEmpty: return "directory not empty";
    case FsError::InvalidPath: return "invalid path";
    case FsError::InvalidName: return "invalid name";
    case FsError::InvalidArgument: return "invalid argument";
    case FsError::BadVolume: return "not a FAT volume";
    case FsError::Corrupt: return "corrupt file system";
    case FsError::NotMounted: return "not mounted";
    case FsError::ReadOnly: return "opened read-only";
    case FsError::Busy: return "busy";
    case FsError::FileTooLarge: return "file too large";
    case FsError::EndOfDirectory: return "end of directory";
    case FsError::Count: break;
    }
    return "unknown error";
}

// Early return for FsError-valued calls, as the kernel's TRY does for its results.
#define EXOS_TRY(expression)                                                                      \
    do {                                                                                          \
        if (::exos::FsError try_error_ = (expression); try_error_ != ::exos::FsError::Ok)         \
            return try_error_;                                                                    \
    } while (0)

}  // namespace exos
