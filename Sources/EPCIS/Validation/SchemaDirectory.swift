internal import Foundation

/// Where the EPCIS schemas are when no `--schemas DIR` names them, so that `validate`,
/// `convert`, `compose` and `serve` work from any working directory and from an installed copy.
///
/// In order: `EPCIS_GATEWAY_SCHEMAS`; beside the executable, as `make install` lays them out
/// (`PREFIX/bin/epcis-gateway` and `PREFIX/share/epcis-gateway/Schemas`) or as a build
/// leaves them (`.build/…/debug/epcis-gateway` below the checkout's `Schemas`); then
/// `Schemas` in the working directory.
public enum SchemaDirectory {
    /// The environment variable that names the directory.
    public static let variable = "EPCIS_GATEWAY_SCHEMAS"

    /// The directory found, and every place looked at (for the error when there is none).
    /// Each parameter left nil is the process's own: its environment, executable and working
    /// directory.
    public static func find(environment: [String: String]? = nil, executable: String? = nil, workingDirectory: String? = nil) -> (
        directory: String?, looked: [String]
    ) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let executable = executable ?? executablePath()
        let workingDirectory = workingDirectory ?? FileManager.default.currentDirectoryPath
        var looked: [String] = []
        func holdsSchemas(_ directory: String) -> Bool {
            looked.append(directory)
            return FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(EPCISSchemas.FileName.epcis12))
        }
        if let named = environment[variable], !named.isEmpty {
            // Named explicitly: used as it is, and an error later if it holds no schemas.
            return (named, [named])
        }
        if let executable {
            var directory = (executable as NSString).deletingLastPathComponent
            // A few levels: PREFIX/bin, or .build/<triple>/<configuration>.
            for _ in 0..<5 where directory != "/" && !directory.isEmpty {
                for candidate in ["share/epcis-gateway/Schemas", "Schemas"] {
                    let path = (directory as NSString).appendingPathComponent(candidate)
                    if holdsSchemas(path) { return (path, looked) }
                }
                directory = (directory as NSString).deletingLastPathComponent
            }
        }
        let local = (workingDirectory as NSString).appendingPathComponent("Schemas")
        return holdsSchemas(local) ? (local, looked) : (nil, looked)
    }

    /// The schemas in `explicit` (`--schemas`), else in the directory ``find(environment:executable:workingDirectory:)`` finds.
    /// - Throws: ``EPCISError`` (`input`) naming every place looked at when there is none, or
    ///   the schema that does not compile.
    public static func load(_ explicit: String?) throws -> EPCISSchemas {
        if let explicit { return try EPCISSchemas(directory: explicit) }
        let (directory, looked) = find()
        guard let directory else {
            throw EPCISError(
                .input,
                "the EPCIS schemas were not found (looked in \(looked.joined(separator: ", "))); install epcis-gateway with `make install`, which puts them in PREFIX/share/epcis-gateway/Schemas, or name the directory with --schemas DIR or \(variable)"
            )
        }
        return try EPCISSchemas(directory: directory)
    }

    /// The running executable's real path (symbolic links resolved), when the system says.
    public static func executablePath() -> String? {
        let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if link != "/proc/self/exe" { return link }
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
    }
}
