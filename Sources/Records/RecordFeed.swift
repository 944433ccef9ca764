internal import GS1
internal import GatewayCore

/// The records feed: JSON Lines (every record kind) or CSV (one row per serial, child or item;
/// rows sharing an `id` form one record). `Schemas/records-feed.schema.json` describes one
/// JSON Lines record; `README.md` describes the CSV columns.
public enum RecordFeed {
    /// The two encodings.
    public enum Format: String, Sendable, CaseIterable {
        case jsonLines = "jsonl"
        case csv = "csv"

        /// JSON Lines when the first non-blank byte opens an object, CSV otherwise.
        public static func sniff(_ bytes: [UInt8]) -> Format {
            let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
            return first == UInt8(ascii: "{") ? .jsonLines : .csv
        }
    }

    /// Parses a whole batch. Every record is checked on its own; nothing is looked up in a store.
    ///
    /// A record id that appears twice with the same content is kept once; with different
    /// content it is an issue.
    ///
    /// - Throws: ``BatchRejected`` with every issue found, in line order.
    public static func parse(_ bytes: [UInt8], format: Format? = nil) throws(BatchRejected) -> [FeedRecord] {
        var issues: [RecordIssue] = []
        var decoded: [FeedRecord] = []
        switch format ?? Format.sniff(bytes) {
        case .jsonLines: jsonLines(bytes, &decoded, &issues)
        case .csv: CSVFeed.records(bytes, &decoded, &issues)
        }
        var seen: [String: FeedRecord] = [:]
        var records: [FeedRecord] = []
        records.reserveCapacity(decoded.count)
        for record in decoded {
            if let first = seen[record.id] {
                if first.digest != record.digest {
                    issues.append(
                        RecordIssue(
                            .conflictingRecord, line: record.line, recordID: record.id, field: "id", value: record.id,
                            reason: "record id \(record.id) is used on line \(first.line) for different content",
                            hint: "give every distinct record its own id"))
                }
                continue
            }
            seen[record.id] = record
            records.append(record)
        }
        if records.isEmpty && issues.isEmpty {
            issues.append(RecordIssue(.malformed, line: 0, field: "", reason: "the batch holds no records", hint: "send at least one record"))
        }
        guard issues.isEmpty else { throw BatchRejected(issues: issues) }
        return records
    }

    private static func jsonLines(_ bytes: [UInt8], _ records: inout [FeedRecord], _ issues: inout [RecordIssue]) {
        var line = 0
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < bytes.count {
            line += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            let text = Array(bytes[start..<stop])
            start = end + 1
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let value: JSONValue
            do {
                let parsed = try JSONParser.parseReportingDuplicates(text)
                value = parsed.value
                if let duplicate = parsed.duplicateKeys.first {
                    issues.append(
                        RecordIssue(
                            .malformed, line: line, field: duplicate.key, reason: "the field '\(duplicate.key)' appears twice in one record",
                            hint: "keep one of them"))
                    continue
                }
            } catch {
                issues.append(
                    RecordIssue(
                        .malformed, line: line, field: "", value: String(decoding: text.prefix(80), as: UTF8.self),
                        reason: "not valid JSON: \(error)", hint: "each line must be one JSON object; check quotes, commas and braces"))
                continue
            }
            guard let members = value.members else {
                issues.append(
                    RecordIssue(
                        .wrongType, line: line, field: "", reason: "the line holds \(value.kind), not a JSON object",
                        hint: "write one record object per line"))
                continue
            }
            var decoder = RecordDecoder(object: members, line: line)
            if let record = decoder.decode() { records.append(record) } else { issues += decoder.issues }
        }
    }
}
