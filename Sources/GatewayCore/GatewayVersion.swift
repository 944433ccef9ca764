/// The gateway's release version, as `version` prints it and the capture interface's
/// `GS1-Vendor-Version` header shows it.
public enum GatewayVersion {
    public static let current = "0.1.0"
}
