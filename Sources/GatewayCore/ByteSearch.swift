public import Foundation

#if canImport(Glibc)
    internal import Glibc
#endif

/// Byte-string search for the places that scan megabytes (MIME delimiters, a file's head).
public enum ByteSearch {
    /// The first occurrence of `needle` in `haystack` at or after `start`: libc's `memchr`
    /// finds each candidate first byte, `memcmp` checks the rest (a multipart scan runs over
    /// whole megabytes).
    public static func find(_ needle: [UInt8], in haystack: some ContiguousBytes, from start: Int) -> Int? {
        guard let first = needle.first, start >= 0 else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            guard start + needle.count <= hay.count else { return nil }
            return needle.withUnsafeBytes { pin -> Int? in
                guard let base = hay.baseAddress, let pinBase = pin.baseAddress else { return nil }
                var index = start
                let last = hay.count - pin.count
                while index <= last {
                    guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, pinBase, pin.count) == 0 { return offset }
                    index = offset + 1
                }
                return nil
            }
        }
    }
}
