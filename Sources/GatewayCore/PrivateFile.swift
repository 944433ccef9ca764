public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files and directories only this user can read: documents hold trading partners' business
/// data, so they are never created world-readable, whatever the umask says.
public enum PrivateFile {
    /// Creates (or truncates) `path` with mode 0600 and opens it for writing.
    ///
    /// - Throws: ``PrivateFileError`` naming the path and the system's reason.
    public static func create(_ path: String) throws -> FileHandle {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw PrivateFileError(.cannotCreate, path: path, errno: errno) }
        // An existing file keeps its old mode through O_TRUNC: tighten it.
        guard fchmod(descriptor, 0o600) == 0 else {
            let error = PrivateFileError(.cannotCreate, path: path, errno: errno)
            close(descriptor)
            throw error
        }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Creates `path` and its missing parents with mode 0700; an existing directory is
    /// narrowed to 0700.
    ///
    /// - Throws: ``PrivateFileError`` when it cannot be created, or `path` is not a directory.
    public static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw PrivateFileError(.notADirectory, path: path, errno: ENOTDIR) }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw PrivateFileError(.cannotCreate, path: path, errno: (error as NSError).code == 0 ? EIO : Int32((error as NSError).code))
            }
        }
        guard chmod(path, 0o700) == 0 else { throw PrivateFileError(.cannotCreate, path: path, errno: errno) }
    }
}

/// A private file or directory could not be made.
///
/// Equality compares the ``code`` only.
public struct PrivateFileError: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<PrivateFileError>

    public var code: Code
    /// The path concerned.
    public var path: String
    /// What the system said.
    public var reason: String

    init(_ code: Code, path: String, errno: Int32) {
        self.code = code
        self.path = path
        reason = String(cString: strerror(errno))
    }

    public var description: String {
        "cannot create \(path) for this user only: \(reason) (\(code)); check the directory exists and this user may write it"
    }
}

extension ErrorCode where Domain == PrivateFileError {
    /// The file or directory could not be created or narrowed to this user.
    public static let cannotCreate = Self("cannot-create-private-file")
    /// The path exists and is not a directory.
    public static let notADirectory = Self("not-a-directory")
}
