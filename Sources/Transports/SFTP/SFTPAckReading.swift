internal import Foundation
internal import FoundationXML
public import Partners

/// What an acknowledgement file says, read as the profile describes. Pure: bytes in, verdict out.
public enum SFTPAckReading {
    public enum Verdict: Hashable, Sendable {
        case accepted(status: String)
        case rejected(status: String)
        /// The file says something the profile does not map; `why` says what was found.
        case unreadable(why: String)
    }

    public static func verdict(_ bytes: [UInt8], settings: SFTPSettings.AckFiles) -> Verdict {
        let status: String
        switch settings.status {
        case .presence: return .accepted(status: "present")
        case .regex(let pattern):
            let text = String(decoding: bytes, as: UTF8.self)
            guard let regex = try? Regex(pattern) else { return .unreadable(why: "the profile's regex '\(pattern)' does not compile") }
            guard let match = try? regex.firstMatch(in: text) else { return .unreadable(why: "the regex '\(pattern)' does not match the file") }
            let output = match.output
            let group = output.count > 1 ? output[1].substring : output[0].substring
            status = group.map(String.init) ?? ""
        case .json(let path):
            guard let value = try? JSONSerialization.jsonObject(with: Data(bytes)) else {
                return .unreadable(why: "the file is not JSON")
            }
            var cursor: Any? = value
            for key in path.split(separator: ".") { cursor = (cursor as? [String: Any])?[String(key)] }
            guard let found = cursor, !(found is [Any]), !(found is [String: Any]) else {
                return .unreadable(why: "the JSON has no value at '\(path)'")
            }
            status = "\(found)"
        case .xml(let element):
            guard let text = XMLElementText.first(element, in: Data(bytes)) else {
                return .unreadable(why: "the file is not XML, or has no element <\(element)>")
            }
            status = text
        }
        let trimmed = status.trimmingCharacters(in: .whitespacesAndNewlines)
        if settings.accept.contains(where: { $0.caseInsensitiveCompare(trimmed) == .orderedSame }) { return .accepted(status: trimmed) }
        if settings.reject.contains(where: { $0.caseInsensitiveCompare(trimmed) == .orderedSame }) { return .rejected(status: trimmed) }
        return .unreadable(
            why: "its status '\(trimmed.prefix(80))' is neither an accept value (\(settings.accept.joined(separator: ", "))) "
                + "nor a reject value (\(settings.reject.joined(separator: ", ")))")
    }
}

/// The text of the first element with a local name, by a streaming parse (no entities fetched).
final class XMLElementText: NSObject, XMLParserDelegate {
    private let name: String
    private var depth = 0
    private var text = ""
    private(set) var found: String?

    private init(name: String) { self.name = name }

    static func first(_ name: String, in data: Data) -> String? {
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        let reader = XMLElementText(name: name)
        parser.delegate = reader
        _ = parser.parse()
        return reader.found
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        if found == nil && (depth > 0 || local == name) { depth += 1 }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if depth > 0 { text += string } }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard depth > 0 else { return }
        depth -= 1
        if depth == 0 {
            found = text
            parser.abortParsing()
        }
    }
}
