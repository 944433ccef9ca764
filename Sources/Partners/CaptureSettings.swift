/// What a partner may push to our EPCIS 2.0 capture endpoint (`POST {base}/capture`), from
/// the profile's `capture:` section. Without the section the partner cannot capture.
public struct CaptureSettings: Hashable, Sendable {
    /// How the partner proves who it is; there is no anonymous capture.
    public var authentication: VerificationSettings.Authentication
    /// False: the partner is known but refused with 403 (onboarding paused, contract ended).
    public var enabled: Bool
    /// The largest document, in bytes (`GS1-EPCIS-Capture-File-Size-Limit`).
    public var maxBytes: Int
    /// The most events in one document (`GS1-EPCIS-Capture-Limit`).
    public var maxEvents: Int

    public init(authentication: VerificationSettings.Authentication, enabled: Bool = true, maxBytes: Int = 64 << 20, maxEvents: Int = 100_000) {
        self.authentication = authentication
        self.enabled = enabled
        self.maxBytes = maxBytes
        self.maxEvents = maxEvents
    }
}
