/// Rules a profile adds to a validation (`validate --profile dscsa`): they see the header,
/// then each event as it streams past, and give their findings at the end. Results are data.
public protocol EPCISDocumentRules: AnyObject {
    /// The document's header, before its first event.
    func header(_ header: EPCISHeader, format: EPCISFormat)
    /// Event `index` (1-based), at `path` (the element or JSON path findings name).
    func event(_ event: EPCISEvent, index: Int, path: String)
    /// Everything found, once every event has been seen.
    func finish() -> [EPCISIssue]
}
